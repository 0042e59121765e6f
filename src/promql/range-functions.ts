import { executionError } from './errors.js';
import { quantile } from './quantile.js';

/**
 * The functions over a range vector's window, as Prometheus 2.42 computes them (`promql/functions.go`),
 * reading the window [lo, hi) of a series' sample arrays in place. Undefined: no output at this step.
 */
export interface Window {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  lo: number;
  hi: number;
  /** The step's evaluation time (ms). */
  ts: number;
  /** The window's bounds (ms): the selector's time minus offset, and that minus the range. */
  rangeStart: number;
  rangeEnd: number;
  rangeMs: number;
  /** Scalar arguments of the call other than the range vector, in order. */
  params: number[];
  /** Prometheus 3's extrapolation: the threshold first, then the cut-off at the counter's zero point. */
  prometheus3: boolean;
}

export type RangeFunction = (w: Window) => number | undefined;

function kahanSumInc(inc: number, sum: number, c: number): [number, number] {
  const t = sum + inc;
  if (Math.abs(sum) >= Math.abs(inc)) c += sum - t + inc;
  else c += inc - t + sum;
  return [t, c];
}

function extrapolatedRate(w: Window, isCounter: boolean, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const firstT = t[lo]!;
  const lastT = t[hi - 1]!;
  let resultValue = v[hi - 1]! - v[lo]!;
  if (isCounter) {
    let prev = v[lo]!;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) resultValue += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - w.rangeStart) / 1000;
  let durationToEnd = (w.rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  const zeroPoint =
    isCounter && resultValue > 0 && v[lo]! >= 0
      ? sampledInterval * (v[lo]! / resultValue)
      : Number.POSITIVE_INFINITY;
  if (w.prometheus3) {
    // 3.x: an edge too far from its sample extrapolates by half an interval, then never below zero.
    if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
    durationToStart = Math.min(durationToStart, zeroPoint);
  } else {
    // 2.42: the zero point cuts the distance first, and the threshold is checked on what is left.
    durationToStart = Math.min(durationToStart, zeroPoint);
    if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  const extrapolateToInterval = sampledInterval + durationToStart + durationToEnd;
  let factor = extrapolateToInterval / sampledInterval;
  if (isRate) factor /= w.rangeMs / 1000;
  return resultValue * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = v[hi - 1]!;
  const previous = v[hi - 2]!;
  let result = isRate && last < previous ? last : last - previous;
  const sampledInterval = t[hi - 1]! - t[hi - 2]!;
  if (sampledInterval === 0) return undefined;
  if (isRate) result /= sampledInterval / 1000;
  return result;
}

function linearRegression(w: Window, interceptTime: number): [number, number] {
  const { t, v, lo, hi } = w;
  let n = 0;
  let sumX = 0;
  let cX = 0;
  let sumY = 0;
  let cY = 0;
  let sumXY = 0;
  let cXY = 0;
  let sumX2 = 0;
  let cX2 = 0;
  const initY = v[lo]!;
  let constY = true;
  for (let i = lo; i < hi; i++) {
    const y = v[i]!;
    if (constY && i > lo && y !== initY) constY = false;
    n += 1;
    const x = (t[i]! - interceptTime) / 1e3;
    [sumX, cX] = kahanSumInc(x, sumX, cX);
    [sumY, cY] = kahanSumInc(y, sumY, cY);
    [sumXY, cXY] = kahanSumInc(x * y, sumXY, cXY);
    [sumX2, cX2] = kahanSumInc(x * x, sumX2, cX2);
  }
  if (constY) {
    if (!Number.isFinite(initY) && !Number.isNaN(initY)) return [Number.NaN, Number.NaN];
    return [0, initY];
  }
  sumX += cX;
  sumY += cY;
  sumXY += cXY;
  sumX2 += cX2;
  const covXY = sumXY - (sumX * sumY) / n;
  const varX = sumX2 - (sumX * sumX) / n;
  const slope = covXY / varX;
  const intercept = sumY / n - (slope * sumX) / n;
  return [slope, intercept];
}

function isInf(x: number): boolean {
  return x === Number.POSITIVE_INFINITY || x === Number.NEGATIVE_INFINITY;
}

function variance(w: Window): number {
  let count = 0;
  let mean = 0;
  let cMean = 0;
  let aux = 0;
  let cAux = 0;
  for (let i = w.lo; i < w.hi; i++) {
    const x = w.v[i]!;
    count++;
    const delta = x - (mean + cMean);
    [mean, cMean] = kahanSumInc(delta / count, mean, cMean);
    [aux, cAux] = kahanSumInc(delta * (x - (mean + cMean)), aux, cAux);
  }
  return (aux + cAux) / count;
}

function holtWinters(w: Window): number | undefined {
  const [sf, tf] = w.params as [number, number];
  if (!(sf > 0 && sf < 1)) {
    throw executionError(`invalid smoothing factor. Expected: 0 < sf < 1, got: ${sf.toFixed(6)}`);
  }
  if (!(tf > 0 && tf < 1)) {
    throw executionError(`invalid trend factor. Expected: 0 < tf < 1, got: ${tf.toFixed(6)}`);
  }
  const { v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  let s0 = 0;
  let s1 = v[lo]!;
  let b = v[lo + 1]! - v[lo]!;
  for (let i = 1; i < hi - lo; i++) {
    const x = sf * v[lo + i]!;
    b = i - 1 === 0 ? b : tf * (s1 - s0) + (1 - tf) * b;
    const y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

export const RANGE_FUNCTIONS: ReadonlyMap<string, RangeFunction> = new Map<string, RangeFunction>([
  ['rate', (w) => extrapolatedRate(w, true, true)],
  ['increase', (w) => extrapolatedRate(w, true, false)],
  ['delta', (w) => extrapolatedRate(w, false, false)],
  ['irate', (w) => instantValue(w, true)],
  ['idelta', (w) => instantValue(w, false)],
  ['deriv', (w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.t[w.lo]!)[0])],
  [
    'predict_linear',
    (w) => {
      if (w.hi - w.lo < 2) return undefined;
      const [slope, intercept] = linearRegression(w, w.ts);
      return slope * w.params[0]! + intercept;
    },
  ],
  [
    'resets',
    (w) => {
      let resets = 0;
      let prev = w.v[w.lo]!;
      for (let i = w.lo + 1; i < w.hi; i++) {
        const cur = w.v[i]!;
        if (cur < prev) resets++;
        prev = cur;
      }
      return resets;
    },
  ],
  [
    'changes',
    (w) => {
      let changes = 0;
      let prev = w.v[w.lo]!;
      for (let i = w.lo + 1; i < w.hi; i++) {
        const cur = w.v[i]!;
        if (cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev))) changes++;
        prev = cur;
      }
      return changes;
    },
  ],
  [
    'avg_over_time',
    (w) => {
      let mean = 0;
      let count = 0;
      let c = 0;
      for (let i = w.lo; i < w.hi; i++) {
        const x = w.v[i]!;
        count++;
        if (isInf(mean)) {
          if (isInf(x) && mean > 0 === x > 0) continue;
          if (!isInf(x) && !Number.isNaN(x)) continue;
        }
        [mean, c] = kahanSumInc(x / count - mean / count, mean, c);
      }
      return isInf(mean) ? mean : mean + c;
    },
  ],
  ['count_over_time', (w) => w.hi - w.lo],
  ['last_over_time', (w) => w.v[w.hi - 1]!],
  ['present_over_time', () => 1],
  ['absent_over_time', () => 1],
  [
    'max_over_time',
    (w) => {
      let max = w.v[w.lo]!;
      for (let i = w.lo; i < w.hi; i++) {
        const x = w.v[i]!;
        if (x > max || Number.isNaN(max)) max = x;
      }
      return max;
    },
  ],
  [
    'min_over_time',
    (w) => {
      let min = w.v[w.lo]!;
      for (let i = w.lo; i < w.hi; i++) {
        const x = w.v[i]!;
        if (x < min || Number.isNaN(min)) min = x;
      }
      return min;
    },
  ],
  [
    'sum_over_time',
    (w) => {
      let sum = 0;
      let c = 0;
      for (let i = w.lo; i < w.hi; i++) [sum, c] = kahanSumInc(w.v[i]!, sum, c);
      return isInf(sum) ? sum : sum + c;
    },
  ],
  [
    'quantile_over_time',
    (w) => {
      const values: number[] = [];
      for (let i = w.lo; i < w.hi; i++) values.push(w.v[i]!);
      return quantile(w.params[0]!, values);
    },
  ],
  ['stddev_over_time', (w) => Math.sqrt(variance(w))],
  ['stdvar_over_time', (w) => variance(w)],
  ['holt_winters', holtWinters],
]);
