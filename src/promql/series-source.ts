import type { Labels } from '../domain/metric.js';
import type { LabelMatcher } from './ast.js';

/** One stored series as the engine sees it: its labels (`__name__` included) and its samples, oldest first. */
export interface SourceSeries {
  labels: Labels;
  t: Float64Array;
  v: Float64Array;
}

/**
 * Everything the PromQL engine reads: the series whose labels satisfy every matcher (a missing label
 * reads as `''`), with their samples in [fromMs, toMs]. NaN is a stored value like any other. The one
 * place that knows the store is the adapter (`tsdb-source.ts`).
 */
export interface SeriesSource {
  select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<SourceSeries[]>;
}
