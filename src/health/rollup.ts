import type { HealthRollup } from '../storage/ports.js';

/** Upper bounds (ms) of the response-time buckets kept per service and hour; one more bucket above. */
export const DURATION_BOUNDS_MS: readonly number[] = [
  10, 25, 50, 75, 100, 150, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000,
];
export const HOUR_MS = 3_600_000;

export type MutableRollup = HealthRollup & { buckets: number[] };

export function emptyRollup(serviceId: number, hour: number): MutableRollup {
  return {
    serviceId,
    hour,
    checks: 0,
    up: 0,
    degraded: 0,
    durationSumMs: 0,
    durationMaxMs: 0,
    buckets: new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0),
  };
}

export function addCheck(rollup: MutableRollup, ok: boolean, degraded: boolean, durationMs: number): void {
  rollup.checks++;
  if (ok) rollup.up++;
  if (ok && degraded) rollup.degraded++;
  rollup.durationSumMs += durationMs;
  rollup.durationMaxMs = Math.max(rollup.durationMaxMs, durationMs);
  let bucket = DURATION_BOUNDS_MS.findIndex((bound) => durationMs <= bound);
  if (bucket === -1) bucket = DURATION_BOUNDS_MS.length;
  rollup.buckets[bucket] = (rollup.buckets[bucket] ?? 0) + 1;
}

export interface WindowSummary {
  checks: number;
  /** Successful checks / checks; null without checks in the window. */
  uptimeRatio: number | null;
  responseTimeMs: { avg: number; p50: number; p95: number; p99: number; max: number } | null;
}

/**
 * Uptime and response-time percentiles of a window from its hourly roll-ups: a month of a service is ~720
 * rows, whatever the check interval. Percentiles interpolate inside a bucket, as Prometheus'
 * histogram_quantile does, so they are accurate to the bucket's width.
 */
export function summarize(rows: readonly HealthRollup[]): WindowSummary {
  let checks = 0;
  let up = 0;
  let sum = 0;
  let max = 0;
  const buckets = new Array<number>(DURATION_BOUNDS_MS.length + 1).fill(0);
  for (const row of rows) {
    checks += row.checks;
    up += row.up;
    sum += row.durationSumMs;
    max = Math.max(max, row.durationMaxMs);
    row.buckets.forEach((count, i) => (buckets[i] = (buckets[i] ?? 0) + count));
  }
  if (checks === 0) return { checks, uptimeRatio: null, responseTimeMs: null };
  const quantile = (q: number): number => {
    const rank = q * checks;
    let seen = 0;
    for (let i = 0; i < buckets.length; i++) {
      const count = buckets[i] ?? 0;
      if (count > 0 && seen + count >= rank) {
        const low = i === 0 ? 0 : (DURATION_BOUNDS_MS[i - 1] ?? 0);
        const high = Math.min(DURATION_BOUNDS_MS[i] ?? max, max);
        return Math.round(low + (Math.max(high, low) - low) * ((rank - seen) / count));
      }
      seen += count;
    }
    return Math.round(max);
  };
  return {
    checks,
    uptimeRatio: up / checks,
    responseTimeMs: {
      avg: Math.round(sum / checks),
      p50: quantile(0.5),
      p95: quantile(0.95),
      p99: quantile(0.99),
      max: Math.round(max),
    },
  };
}
