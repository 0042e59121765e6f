import type { Config } from '../config/config.js';
import type { TsdbReader } from '../tsdb/read-port.js';
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
    | 'promqlChunkCacheMb'
  >,
  store: { reader: TsdbReader },
): PromqlEngineApi {
  return createPromqlEngine({
    source: new TsdbSeriesSource(store.reader, config.promqlChunkCacheMb * 1024 ** 2),
    maxSamples: config.promqlMaxSamples,
    timeoutMs: config.promqlTimeoutMs,
    lookbackMs: config.promqlLookbackMs,
    maxPointsPerSeries: config.promqlMaxPoints,
    subqueryStepMs: config.promqlSubqueryStepMs,
    compat: config.promqlCompat === '3' ? 3 : 2,
  });
}
