import { rejection, type Rejection } from '../domain/errors.js';
import type { MetricType } from '../domain/metric.js';
import type { LabelSet } from '../tsdb/registry.js';
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
export function nextValues(set: LabelSet, current: Float64Array, sample: IngestSample): Float64Array {
  const def = set.family.def;
  const value = sample.value;
  if (def.type === 'histogram' && sample.observations !== undefined) {
    return addObservations(current, sample.observations, def.buckets.length);
  }
  switch (def.type) {
    case 'gauge':
    case 'counter':
      return Float64Array.of(nextScalar(def.type, current[0]!, value));
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
