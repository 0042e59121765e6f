/** Pure metric model shared by ingest, storage, query and exposition. No I/O here. */

export const METRIC_TYPES = ['counter', 'gauge', 'histogram'] as const;
export type MetricType = (typeof METRIC_TYPES)[number];

/** Where a family came from; used to group families in the read API (business view, system view…). */
export const METRIC_CATEGORIES = ['custom', 'business', 'system', 'application', 'health'] as const;
export type MetricCategory = (typeof METRIC_CATEGORIES)[number];

export type Labels = Readonly<Record<string, string>>;

/**
 * A label's value, own properties only: a matcher or `by` naming `__proto__` or `constructor` (valid
 * label names) must find nothing, not Object.prototype.
 */
export function labelValue(labels: Labels, name: string): string | undefined {
  return Object.hasOwn(labels, name) ? labels[name] : undefined;
}

/** Prometheus' defaults, in seconds: fit HTTP latencies, the most common histogram. */
export const DEFAULT_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface FamilyDefinition {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  category: MetricCategory;
  /** Upper bounds of the histogram buckets, ascending, without +Inf. Empty for other types. */
  buckets: readonly number[];
}

/**
 * The role a stored numeric series plays inside its label set. Counters and gauges have one `value`
 * series; a histogram label set owns one `bucket` series per bound (plus +Inf), a `sum` and a `count`.
 */
export type SeriesRole = 'value' | 'bucket' | 'sum' | 'count';
