import type { IngestSample } from '../src/ingest/sample-schema.js';
import type { Services } from '../src/services.js';
import { seeded } from './support.js';

/** The PromQL benchmark's data set and queries (`promql.ts` against Prometheus, `promql-profile.ts` alone). */
export const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ROUTES = 20;

export const PROMQL_BENCH_QUERIES = {
  rate: 'sum by (route) (rate(bench_requests_total[5m]))',
  histogram: 'histogram_quantile(0.95, sum by (le) (rate(bench_latency_seconds_bucket[5m])))',
};

/** Histogram label sets for `series` counters: as many bucket series as counter series. */
export function histogramSetsFor(series: number): number {
  return Math.max(1, Math.round(series / (BOUNDS.length + 1)));
}

export const labelsOf = (i: number): Record<string, string> => ({
  route: `/r${i % ROUTES}`,
  instance: `i${Math.floor(i / ROUTES)}`,
});

// Each series has its own seeded generator, so the service can ingest round by round and the
// OpenMetrics file be written series by series (what promtool needs) without holding the data set.
export function counterSeries(i: number): () => number {
  const rnd = seeded(1000 + i);
  let total = 0;
  return () => (total += Math.floor(rnd() * 20));
}

/** Cumulative bucket counts (+Inf last), then the sum, after three more observations per call. */
export function histogramSeries(h: number): () => number[] {
  const rnd = seeded(5_000_000 + h);
  const state = new Array<number>(BOUNDS.length + 2).fill(0);
  return () => {
    for (let o = 0; o < 3; o++) {
      const value = rnd() ** 3 * 3;
      state[BOUNDS.length + 1]! += value;
      for (let b = 0; b <= BOUNDS.length; b++) if (b === BOUNDS.length || value <= BOUNDS[b]!) state[b]!++;
    }
    return state;
  };
}

/** Ingests the data set into the service, one round of every series per scrape time. */
export async function ingestBenchData(
  services: Services,
  series: number,
  start: number,
  end: number,
  scrapeMs: number,
): Promise<void> {
  const counters = Array.from({ length: series }, (_, i) => counterSeries(i));
  const histograms = Array.from({ length: histogramSetsFor(series) }, (_, h) => histogramSeries(h));
  for (let t = start; t <= end; t += scrapeMs) {
    const round: IngestSample[] = [];
    counters.forEach((next, i) => {
      round.push({
        name: 'bench_requests',
        type: 'counter',
        value: next(),
        labels: labelsOf(i),
        timestamp: t,
        cumulative: { kind: 'counter-total' },
      });
    });
    histograms.forEach((next, h) => {
      const state = next();
      round.push({
        name: 'bench_latency_seconds',
        type: 'histogram',
        value: state[BOUNDS.length + 1]!,
        labels: labelsOf(h),
        timestamp: t,
        buckets: BOUNDS,
        cumulative: {
          kind: 'histogram',
          buckets: state.slice(0, BOUNDS.length + 1),
          sum: state[BOUNDS.length + 1]!,
          count: state[BOUNDS.length]!,
        },
      });
    });
    await services.ingest.ingest(round, 'custom');
  }
}
