import type { FamilyDefinition, Labels, MetricCategory } from '../domain/metric.js';
import type { LabelMatcher } from '../query/matchers.js';
import type { DecodedChunkCache } from './decoded-chunk-cache.js';
import type { SampleBuffers } from './sample-read.js';

/**
 * The read side of the TSDB (Prometheus' `Queryable`): what the query engine, /metrics, alerting,
 * realtime, the business summary and the PromQL engine see. Views are read-only: the only way to change
 * TSDB state is the write side (`Tsdb.appender()` and the TSDB's own recovery, retention, checkpoint).
 * See docs/adr/0011-tsdb-read-and-write-ports.md.
 */

/** Samples of one series, oldest first: times in ms and values, the same length. */
export interface SampleRange {
  t: Float64Array;
  v: Float64Array;
}

/** One label set of a family, as readers see it. */
export interface LabelSetView {
  readonly family: FamilyView;
  /** labelsKey of its labels. */
  readonly key: string;
  readonly labels: Labels;
  /** Its numeric series: one, or for a histogram one per bucket (+Inf last), then sum, then count. */
  readonly ids: readonly number[];
  /** Current values, in the order of `ids`. */
  readonly values: ArrayLike<number>;
  /** Timestamp (ms) of the newest sample. */
  readonly lastT: number;
  /** False while the write that creates it is not durable yet: readers skip such sets. */
  readonly committed: boolean;
  /** `a="x",b="y"`: the label part of its exposition lines. */
  readonly labelText: string;
  /** `name{a="x"} `: the start of its exposition line for that sample name. */
  linePrefix(sampleName: string): string;
}

/** A metric family (name, type, help, buckets) and its label sets. */
export interface FamilyView {
  readonly def: FamilyDefinition;
  readonly createdAt: number;
  /** Changes whenever the family or one of its sets changes: readers cache per family on it. */
  readonly version: number;
  readonly committed: boolean;
  /** Label sets by key, uncommitted ones included (skip them); iterating is live. */
  readonly sets: ReadonlyMap<string, LabelSetView>;
  /** Numeric series per label set: 1, or buckets + +Inf + sum + count for histograms. */
  readonly seriesPerSet: number;
}

/** A series as /metrics exposes it (`x`, `x_bucket{le}`, `x_sum`, `x_count`) with its samples in a range. */
export interface SelectedSeries {
  /** Its labels with `__name__` (and `le` for buckets), as the text exposition writes them. */
  labels: Labels;
  /** The TSDB's series id (stable while the series lives). */
  id: number;
  samples: SampleRange;
}

export interface TsdbReader {
  /** Changes on every applied write: lets readers cache what they derive. */
  readonly version: number;
  /** Numeric series held (what MAX_ACTIVE_SERIES counts). */
  readonly activeSeries: number;
  /** Families held, uncommitted ones included. */
  readonly familyCount: number;

  /** Committed families sorted by name, optionally only one name and one category. */
  families(filter?: { name?: string; category?: MetricCategory }): FamilyView[];
  /** Every family in creation order (uncommitted ones included: skip them); a snapshot of the list. */
  allFamilies(): FamilyView[];
  /** The committed family of that name. */
  family(name: string): FamilyView | undefined;
  /** The committed label sets of a family whose labels match (regexes anchored, RE2 as in Prometheus). */
  labelSets(family: string, matchers: readonly LabelMatcher[]): LabelSetView[];

  /**
   * Samples of many series with from ≤ t ≤ to, each preceded by its newest sample before `from` (for
   * values carried forward and counter increases across the range start), in one store round trip.
   * The answer is aligned with `ids`; an unknown id answers an empty range. With a `cache`, chunks are
   * decoded through it (a reader that asks the same series again, such as the PromQL engine, owns one).
   * `ofTotal`: this read is a batch of a read of that many series (the cache keeps what it decodes only
   * if the whole read would fit). With `buffers`, the ranges are views into arrays the next read through
   * the same buffers overwrites (a caller that reads batch after batch allocates once).
   */
  readSamples(
    ids: readonly number[],
    from: number,
    to: number,
    cache?: DecodedChunkCache,
    ofTotal?: number,
    buffers?: SampleBuffers,
  ): Promise<SampleRange[]>;

  /**
   * Series matching the matchers (on the exposed names and labels, `__name__` included), with their
   * samples in [from, to] (no sample carried in from before `from`): what a PromQL selector reads.
   */
  select(matchers: readonly LabelMatcher[], from: number, to: number): Promise<SelectedSeries[]>;
}
