import { rejection, type Rejection } from '../domain/errors.js';
import type { MetricType } from '../domain/metric.js';
import type { LabelSetView } from '../tsdb/read-port.js';
import type { IngestLimits } from './limits.js';
import type { IngestSample, MetricSample } from './sample-schema.js';

/** The sample's timestamp in ms, or why it is refused. */
export function sampleTime(sample: MetricSample, now: number, limits: IngestLimits): number | Rejection {
  if (sample.timestamp === undefined) return now;
  const t = typeof sample.timestamp === 'number' ? sample.timestamp : Date.parse(sample.timestamp);
  if (!Number.isFinite(t)) {
    return rejection(
      'invalid_timestamp',
      'timestamp must be milliseconds since the epoch or an ISO 8601 date',
      'timestamp',
    );
  }
  if (t < now - limits.retentionMs) {
    return rejection(
      'sample_too_old',
      `timestamp is older than the retention (METRICS_TTL=${limits.retentionMs / 1000} s); timestamps are in milliseconds`,
      'timestamp',
    );
  }
  if (t > now + limits.maxFutureMs) {
    return rejection(
      'sample_in_future',
      `timestamp is more than ${limits.maxFutureMs / 1000} s in the future`,
      'timestamp',
    );
  }
  return Math.round(t);
}

/**
 * Why a value is refused for a metric of this type (ADR 0008), or undefined. A gauge holds any value,
 * NaN and ±Inf included, as in Prometheus. A counter's increment must be finite and ≥ 0: a NaN or an
 * infinite step would stay in its running total for good. A histogram observation must be finite too,
 * or its sum would.
 */
export function valueRejection(type: MetricType, value: number): Rejection | undefined {
  switch (type) {
    case 'gauge':
      return undefined;
    case 'counter':
      return Number.isFinite(value) && value >= 0
        ? undefined
        : rejection(
            'invalid_value',
            'a counter only goes up: its increment must be a finite number ≥ 0',
            'value',
          );
    case 'histogram':
      return Number.isFinite(value)
        ? undefined
        : rejection('invalid_value', 'a histogram observation must be a finite number', 'value');
  }
}

/**
 * The label set's values after one sample: a gauge is set, a counter adds its increment, a histogram
 * adds one observation to every bucket whose bound is ≥ the value, to its sum and to its count (or, from
 * a collector, a batch of already bucketed observations).
 */
export function nextValues(set: LabelSetView, current: Float64Array, sample: IngestSample): Float64Array {
  const def = set.family.def;
  const value = sample.value;
  if (def.type === 'histogram' && sample.observations !== undefined) {
    return addObservations(current, sample.observations, def.buckets.length);
  }
  if (sample.cumulative?.kind === 'histogram') {
    const { buckets, sum, count } = sample.cumulative;
    return Float64Array.from([...buckets, sum, count]);
  }
  switch (def.type) {
    case 'gauge':
    case 'counter':
      return Float64Array.of(
        sample.cumulative === undefined ? nextScalar(def.type, current[0]!, value) : value,
      );
    case 'histogram': {
      const next = current.slice();
      const buckets = def.buckets;
      for (let i = 0; i < buckets.length; i++) if (value <= buckets[i]!) next[i]! += 1;
      next[buckets.length]! += 1; // +Inf
      next[buckets.length + 1]! += value; // sum
      next[buckets.length + 2]! += 1; // count
      return next;
    }
  }
}

/** A gauge's or counter's value after one sample (what nextValues does, without allocating an array). */
export function nextScalar(type: 'counter' | 'gauge', current: number, value: number): number {
  return type === 'counter' ? current + value : value;
}

function addObservations(
  current: Float64Array,
  delta: IngestSample['observations'] & object,
  bounds: number,
): Float64Array {
  if (delta.counts.length !== bounds + 1) {
    throw new RangeError(
      `observations need ${String(bounds + 1)} bucket counts, got ${String(delta.counts.length)}`,
    );
  }
  const next = current.slice();
  let cumulative = 0;
  for (let i = 0; i <= bounds; i++) {
    cumulative += delta.counts[i]!;
    next[i]! += cumulative;
  }
  next[bounds + 1]! += delta.sum;
  next[bounds + 2]! += cumulative;
  return next;
}

/**
 * Why an exporter's cumulative state does not fit the label set's family, or undefined: a histogram's
 * state must have one cumulative count per bound of the family plus +Inf, never decreasing, the last equal
 * to `count`, and a finite sum; a counter total follows the counter rule of valueRejection.
 */
export function cumulativeRejection(set: LabelSetView, sample: IngestSample): Rejection | undefined {
  const state = sample.cumulative;
  if (state === undefined) return undefined;
  const def = set.family.def;
  if (state.kind === 'counter-total') {
    if (def.type !== 'counter') {
      return rejection('metric_type_conflict', `"${def.name}" is a ${def.type}, not a counter`, 'type');
    }
    return Number.isFinite(sample.value) && sample.value >= 0
      ? undefined
      : rejection('invalid_value', 'a counter total must be a finite number ≥ 0', 'value');
  }
  if (def.type !== 'histogram') {
    return rejection('metric_type_conflict', `"${def.name}" is a ${def.type}, not a histogram`, 'type');
  }
  const { buckets, sum, count } = state;
  if (buckets.length !== def.buckets.length + 1) {
    return rejection(
      'bucket_conflict',
      `"${def.name}" has ${String(def.buckets.length)} bucket bounds plus +Inf; this state has ${String(buckets.length)} counts`,
      'buckets',
    );
  }
  let previous = 0;
  for (const bucket of buckets) {
    if (!Number.isFinite(bucket) || bucket < previous) {
      return rejection(
        'invalid_value',
        'bucket counts must be finite, cumulative and never decrease',
        'buckets',
      );
    }
    previous = bucket;
  }
  if (count !== previous || !Number.isFinite(sum)) {
    return rejection(
      'invalid_value',
      'a histogram count must equal its +Inf bucket and its sum be finite',
      'value',
    );
  }
  return undefined;
}
