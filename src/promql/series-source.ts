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
  /**
   * Optional two-step form of `select`, so the engine can read a long range over many series a batch at
   * a time (bounded memory) instead of all at once: the matching series without samples, then the samples
   * of some of them (those with any in [fromMs, toMs], in the order given). `ofTotal`: how many series the
   * whole read covers (a cache decides on the whole read whether to keep what it decodes). `reuse`: the
   * caller reads batch after batch and is done with one before it asks for the next, so the source may
   * keep arrays in it and answer the next batch in the same ones.
   */
  match?(matchers: readonly LabelMatcher[]): readonly SeriesRef[];
  read?(
    refs: readonly SeriesRef[],
    fromMs: number,
    toMs: number,
    ofTotal: number,
    reuse?: ReadReuse,
  ): Promise<SourceSeries[]>;
}

/** A slot a source keeps what it reuses from one `read` to the next of the same caller (opaque to it). */
export interface ReadReuse {
  state?: unknown;
}

/** A matching series before its samples are read: its labels, and what the source needs to read it. */
export interface SeriesRef {
  readonly labels: Labels;
}
