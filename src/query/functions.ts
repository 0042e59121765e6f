import { DomainError } from '../domain/errors.js';
import type { MetricType } from '../domain/metric.js';

export const WINDOW_FUNCTIONS = ['last', 'avg', 'min', 'max', 'sum', 'count', 'rate', 'increase'] as const;
export type WindowFunction = (typeof WINDOW_FUNCTIONS)[number];
/** A query function: a window function, or a quantile written pNN (p50, p90, p95, p99, p99.9). */
export type QueryFunction = WindowFunction | { quantile: number };

export function parseFunction(raw: string | undefined, type: MetricType): QueryFunction {
  if (raw === undefined) {
    if (type === 'histogram') return { quantile: 0.95 };
    return 'last';
  }
  if ((WINDOW_FUNCTIONS as readonly string[]).includes(raw)) {
    const fn = raw as WindowFunction;
    if (type === 'histogram' && (fn === 'last' || fn === 'min' || fn === 'max' || fn === 'increase')) {
      throw new DomainError(
        'invalid_query',
        422,
        `"${fn}" does not apply to a histogram; use p50…p99, avg, sum, count or rate`,
        'fn',
      );
    }
    return fn;
  }
  const quantile = /^p(\d{1,2}(\.\d+)?)$/.exec(raw);
  if (quantile !== null) return { quantile: Number(quantile[1]) / 100 };
  throw new DomainError(
    'invalid_query',
    422,
    `unknown function "${raw}": use one of ${WINDOW_FUNCTIONS.join(', ')}, or a quantile such as p50, p90, p95, p99`,
    'fn',
  );
}

export function functionName(fn: QueryFunction): string {
  return typeof fn === 'string' ? fn : `p${+(fn.quantile * 100).toFixed(3)}`;
}

/**
 * Evaluates one series at every step: the window (t − window, t] for aggregations, the value at or before
 * t for `last`. `t`/`v` are sorted samples and may start with one sample before the first window
 * (carried forward for `last`, the base for `increase`). NaN marks a step with no value.
 * `counterLike` series start from 0 when they have no earlier sample (they were created in the range);
 * steps before their first sample have no value, as in Prometheus (absent, not an invented zero).
 */
export function evaluateSeries(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  steps: readonly number[],
  windowMs: number,
  fn: QueryFunction,
  counterLike: boolean,
): Float64Array {
  const out = new Float64Array(steps.length).fill(Number.NaN);
  let lo = 0; // first sample inside the window
  let hi = 0; // first sample after the window end
  for (let s = 0; s < steps.length; s++) {
    const end = steps[s]!;
    const start = end - windowMs;
    while (hi < t.length && t[hi]! <= end) hi++;
    while (lo < hi && t[lo]! <= start) lo++;
    if (fn === 'last') {
      if (hi > 0) out[s] = v[hi - 1]!;
    } else if (fn === 'increase' || fn === 'rate') {
      // No sample at or before this step: the series did not exist yet, so no value (not zero).
      if (hi === 0) continue;
      const base = lo > 0 ? v[lo - 1]! : counterLike ? 0 : Number.NaN;
      if (Number.isNaN(base) && hi - lo < 2) continue;
      let prev = Number.isNaN(base) ? v[lo]! : base;
      let increase = 0;
      for (let i = Number.isNaN(base) ? lo + 1 : lo; i < hi; i++) {
        const value = v[i]!;
        increase += value >= prev ? value - prev : value; // a drop is a counter reset
        prev = value;
      }
      out[s] = fn === 'rate' ? increase / (windowMs / 1000) : increase;
    } else {
      if (hi === lo) continue;
      out[s] = aggregateWindow(v, lo, hi, fn);
    }
  }
  return out;
}

function aggregateWindow(v: ArrayLike<number>, lo: number, hi: number, fn: QueryFunction): number {
  if (typeof fn !== 'string') {
    const values = Float64Array.from({ length: hi - lo }, (_, i) => v[lo + i]!).sort();
    return quantileOfSorted(values, fn.quantile);
  }
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = lo; i < hi; i++) {
    const value = v[i]!;
    sum += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  switch (fn) {
    case 'avg':
      return sum / (hi - lo);
    case 'min':
      return min;
    case 'max':
      return max;
    case 'sum':
      return sum;
    case 'count':
      return hi - lo;
    case 'last':
    case 'rate':
    case 'increase':
      return v[hi - 1]!;
  }
}

/** Linear interpolation between closest ranks (the method of quantile_over_time). */
export function quantileOfSorted(values: ArrayLike<number>, q: number): number {
  if (values.length === 0) return Number.NaN;
  const rank = q * (values.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);
  const weight = rank - lower;
  return values[lower]! * (1 - weight) + values[upper]! * weight;
}

/**
 * histogram_quantile: `bounds` ascending with +Inf last, `counts` cumulative per bound. Linear
 * interpolation inside the bucket; the +Inf bucket answers with the highest finite bound.
 */
export function histogramQuantile(q: number, bounds: readonly number[], counts: ArrayLike<number>): number {
  const total = counts[counts.length - 1]!;
  if (!(total > 0)) return Number.NaN;
  const rank = q * total;
  let i = 0;
  while (i < counts.length - 1 && counts[i]! < rank) i++;
  if (i === bounds.length - 1) return bounds.length > 1 ? bounds[bounds.length - 2]! : Number.NaN;
  const upper = bounds[i]!;
  const lower = i === 0 ? 0 : bounds[i - 1]!;
  const below = i === 0 ? 0 : counts[i - 1]!;
  const inBucket = counts[i]! - below;
  if (inBucket <= 0) return upper;
  return lower + (upper - lower) * ((rank - below) / inBucket);
}
