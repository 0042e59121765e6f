import { toNumber } from './attributes.js';
import type { OtlpExponentialPoint } from './codec.js';

/**
 * Exponential histograms become classic histograms with fixed bounds (ADR 0017): 0, then the powers of two
 * from 2^-16 (~15 µs, ~15 µB) to 2^40 (~1.1e12). A family's bounds are fixed by its first sample, while an
 * exponential histogram's buckets move with its scale and offset, so the bounds cannot be the point's own.
 * Powers of two are the bounds of scale 0: from any scale ≥ 0 the conversion is exact (each exponential
 * bucket lies inside one bound's bucket); from a negative scale a bucket spans several bounds and is counted
 * at its upper bound. Below 2^-16 counts fall in the first positive bound, above 2^40 in +Inf, both exact;
 * negative values and the zero bucket are counted at le="0".
 */
const MIN_POWER = -16;
const MAX_POWER = 40;

export const EXPONENTIAL_BOUNDS: readonly number[] = [
  0,
  ...Array.from({ length: MAX_POWER - MIN_POWER + 1 }, (_, i) => 2 ** (MIN_POWER + i)),
];

/** Scales OTLP allows (metrics.proto: -10 to 20). */
const MIN_SCALE = -10;
const MAX_SCALE = 20;

/** Per-bound counts (not cumulative), the last one for +Inf, or why the point cannot be converted. */
export function exponentialBucketCounts(point: OtlpExponentialPoint): number[] | string {
  const { scale } = point;
  if (!Number.isInteger(scale) || scale < MIN_SCALE || scale > MAX_SCALE) {
    return `exponential histogram scale ${scale} is outside ${MIN_SCALE}..${MAX_SCALE}`;
  }
  const counts = new Array<number>(EXPONENTIAL_BOUNDS.length + 1).fill(0);
  let atZero = toNumber(point.zeroCount);
  for (const count of point.negative?.bucketCounts ?? []) atZero += toNumber(count);
  counts[0] = atZero;
  const positive = point.positive;
  if (positive !== undefined && positive !== null) {
    const offset = positive.offset;
    // The upper bound of bucket index i is 2^((i + 1) · 2^-scale); its bound is the next power of two.
    const factor = 2 ** -scale;
    positive.bucketCounts.forEach((raw, j) => {
      const count = toNumber(raw);
      if (count === 0) return;
      const power = Math.ceil((offset + j + 1) * factor);
      const slot = power > MAX_POWER ? EXPONENTIAL_BOUNDS.length : 1 + Math.max(power, MIN_POWER) - MIN_POWER;
      counts[slot]! += count;
    });
  }
  return counts;
}

/** Per-bound counts made cumulative, as a histogram state's buckets are. */
export function cumulativeCounts(counts: readonly number[]): number[] {
  let running = 0;
  return counts.map((count) => (running += count));
}
