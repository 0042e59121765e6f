import type { Config } from '../config/config.js';
import type { SeriesRegistry } from '../tsdb/registry.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import type { PromqlEngineApi } from './api.js';
import { createPromqlEngine } from './engine.js';
import { TsdbSeriesSource } from './tsdb-source.js';

/** The service's PromQL engine: over its own store, with the PROMQL_* settings. */
export function createServiceEngine(
  config: Pick<
    Config,
    | 'promqlMaxSamples'
    | 'promqlTimeoutMs'
    | 'promqlLookbackMs'
    | 'promqlMaxPoints'
    | 'promqlSubqueryStepMs'
    | 'promqlCompat'
  >,
  store: { registry: SeriesRegistry; tsdb: Tsdb },
): PromqlEngineApi {
  return createPromqlEngine({
    source: new TsdbSeriesSource(store.registry, store.tsdb),
    maxSamples: config.promqlMaxSamples,
    timeoutMs: config.promqlTimeoutMs,
    lookbackMs: config.promqlLookbackMs,
    maxPointsPerSeries: config.promqlMaxPoints,
    subqueryStepMs: config.promqlSubqueryStepMs,
    compat: config.promqlCompat === '3' ? 3 : 2,
  });
}
