import type { IngestSample } from '../../src/ingest/sample-schema.js';
import { formatValue } from '../../src/telemetry/text-format.js';

/**
 * A deterministic data set for comparing the engine with the real Prometheus: counters with resets,
 * gauges (NaN and negative values included), classic histograms, gaps longer than the lookback, series
 * that start late and series that go stale; scrapes every 15 s with a few ms of jitter. The same samples
 * are written as OpenMetrics (for `promtool tsdb create-blocks-from openmetrics`) and as the service's
 * ingest samples (cumulative totals, as exporters send them).
 */

export const SCRAPE_MS = 15_000;
export const HISTOGRAM_BOUNDS = [0.05, 0.1, 0.25, 0.5, 1, 2.5];

interface Family {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  series: SeriesPlan[];
}

interface SeriesPlan {
  labels: Record<string, string>;
  /** One entry per scrape index; undefined: no sample (gap, not started, stale). */
  samples: (Point | undefined)[];
}

interface Point {
  t: number;
  /** Counter total or gauge value. */
  value: number;
  /** Histogram: cumulative counts per bound and +Inf, and the sum. */
  buckets?: number[];
  sum?: number;
}

export interface DataSet {
  start: number;
  end: number;
  families: Family[];
  seriesCount: number;
}

/** mulberry32: a small seeded generator, so every run compares the same data. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function product(dimensions: Record<string, string[]>): Record<string, string>[] {
  let out: Record<string, string>[] = [{}];
  for (const [name, values] of Object.entries(dimensions)) {
    out = out.flatMap((labels) => values.map((value) => ({ ...labels, [name]: value })));
  }
  return out;
}

/** Which scrapes a series has: some start late, some stop (stale), some have gaps, short and long. */
function presence(rand: () => number, scrapes: number): boolean[] {
  const present = new Array<boolean>(scrapes).fill(true);
  const roll = rand();
  if (roll < 0.12) {
    const from = Math.floor(scrapes * (0.4 + rand() * 0.5));
    for (let i = from; i < scrapes; i++) present[i] = false;
  } else if (roll < 0.22) {
    const until = Math.floor(scrapes * (0.1 + rand() * 0.4));
    for (let i = 0; i < until; i++) present[i] = false;
  }
  if (rand() < 0.35) {
    const gaps = 1 + Math.floor(rand() * 3);
    for (let g = 0; g < gaps; g++) {
      const from = Math.floor(rand() * scrapes);
      const length = 1 + Math.floor(rand() * 45);
      for (let i = from; i < Math.min(scrapes, from + length); i++) present[i] = false;
    }
  }
  return present;
}

export function generateDataSet(start: number, hours: number, seed = 42): DataSet {
  const rand = random(seed);
  const scrapes = Math.floor((hours * 3_600_000) / SCRAPE_MS);
  const time = (i: number): number => start + i * SCRAPE_MS + Math.floor(rand() * 200);
  const families: Family[] = [];

  const counters = (name: string, dims: Record<string, string[]>, step: number): Family => ({
    name,
    type: 'counter',
    series: product(dims).map((labels) => {
      const present = presence(rand, scrapes);
      let total = Math.floor(rand() * 1000);
      const rate = 0.2 + rand() * step;
      return {
        labels,
        samples: present.map((here, i) => {
          total += Math.floor(rand() * rate * 2 * 2) / 2;
          if (rand() < 0.002) total = Math.floor(rand() * 3);
          return here ? { t: time(i), value: total } : undefined;
        }),
      };
    }),
  });

  const gauges = (
    name: string,
    dims: Record<string, string[]>,
    next: (v: number, i: number) => number,
  ): Family => ({
    name,
    type: 'gauge',
    series: product(dims).map((labels) => {
      const present = presence(rand, scrapes);
      let v = Math.round((rand() * 100 - 30) * 100) / 100;
      return {
        labels,
        samples: present.map((here, i) => {
          v = next(v, i);
          return here ? { t: time(i), value: v } : undefined;
        }),
      };
    }),
  });

  families.push(
    counters(
      'dt_requests',
      { route: ['/api', '/login', '/home', '/pay'], code: ['200', '404', '500'], instance: ['a', 'b', 'c'] },
      8,
    ),
    counters('dt_errors', { instance: ['a', 'b', 'c'], kind: ['timeout', 'refused'] }, 1),
    gauges(
      'dt_temperature',
      { room: ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8', 'r9'], sensor: ['s1', 's2', 's3'] },
      (v) => Math.round((v + (rand() - 0.5) * 3) * 100) / 100,
    ),
    gauges('dt_queue', { instance: ['a', 'b', 'c', 'd', 'e'] }, () => Math.floor(rand() * 6)),
    gauges(
      'dt_memory_bytes',
      { instance: ['a', 'b', 'c', 'd', 'e'], area: ['heap', 'stack', 'code', 'other'] },
      (v, i) =>
        i % 97 === 13 && rand() < 0.5
          ? Number.NaN
          : Math.abs(Number.isNaN(v) ? 1e6 : v) * (0.9 + rand() * 0.2) + 1e5 * rand(),
    ),
  );

  const histogram: Family = { name: 'dt_latency_seconds', type: 'histogram', series: [] };
  for (const labels of product({ route: ['/api', '/login', '/home', '/pay'], instance: ['a', 'b', 'c'] })) {
    const present = presence(rand, scrapes);
    const counts = new Array<number>(HISTOGRAM_BOUNDS.length + 1).fill(0);
    let sum = 0;
    histogram.series.push({
      labels,
      samples: present.map((here, i) => {
        if (rand() < 0.002) {
          counts.fill(0);
          sum = 0;
        }
        // At least one fast observation per scrape: every cumulative bucket changes at every scrape.
        const observations = [
          rand() * 0.05,
          ...Array.from({ length: Math.floor(rand() * 6) }, () => rand() ** 2 * 4),
        ];
        for (const o of observations) {
          sum += o;
          for (let b = 0; b <= HISTOGRAM_BOUNDS.length; b++) {
            if (b === HISTOGRAM_BOUNDS.length || o <= HISTOGRAM_BOUNDS[b]!) counts[b]!++;
          }
        }
        return here ? { t: time(i), value: sum, buckets: [...counts], sum } : undefined;
      }),
    });
  }
  families.push(histogram);

  const seriesCount = families.reduce(
    (n, f) => n + f.series.length * (f.type === 'histogram' ? HISTOGRAM_BOUNDS.length + 3 : 1),
    0,
  );
  return { start, end: start + scrapes * SCRAPE_MS, families, seriesCount };
}

function labelText(labels: Record<string, string>, extra: Record<string, string> = {}): string {
  const all = { ...labels, ...extra };
  const parts = Object.entries(all).map(([k, v]) => `${k}="${v}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** The data set in OpenMetrics, family by family, each series in time order (what promtool needs). */
export function toOpenMetrics(data: DataSet): string {
  const lines: string[] = [];
  const ts = (t: number): string => (t / 1000).toFixed(3);
  for (const family of data.families) {
    lines.push(`# TYPE ${family.name} ${family.type}`);
    for (const series of family.series) {
      if (family.type !== 'histogram') {
        const name = family.type === 'counter' ? `${family.name}_total` : family.name;
        for (const p of series.samples) {
          if (p !== undefined)
            lines.push(`${name}${labelText(series.labels)} ${formatValue(p.value)} ${ts(p.t)}`);
        }
        continue;
      }
      for (let b = 0; b <= HISTOGRAM_BOUNDS.length; b++) {
        const le = b < HISTOGRAM_BOUNDS.length ? formatValue(HISTOGRAM_BOUNDS[b]!) : '+Inf';
        for (const p of series.samples) {
          if (p !== undefined) {
            lines.push(
              `${family.name}_bucket${labelText(series.labels, { le })} ${formatValue(p.buckets![b]!)} ${ts(p.t)}`,
            );
          }
        }
      }
      for (const p of series.samples) {
        if (p !== undefined)
          lines.push(`${family.name}_sum${labelText(series.labels)} ${formatValue(p.sum!)} ${ts(p.t)}`);
      }
      for (const p of series.samples) {
        if (p !== undefined) {
          lines.push(
            `${family.name}_count${labelText(series.labels)} ${formatValue(p.buckets![HISTOGRAM_BOUNDS.length]!)} ${ts(p.t)}`,
          );
        }
      }
    }
  }
  lines.push('# EOF');
  return `${lines.join('\n')}\n`;
}

/** The same samples as the service ingests them, one batch per scrape round, in time order. */
export function toIngestBatches(data: DataSet): IngestSample[][] {
  const rounds = new Map<number, IngestSample[]>();
  for (const family of data.families) {
    for (const series of family.series) {
      series.samples.forEach((p, i) => {
        if (p === undefined) return;
        let batch = rounds.get(i);
        if (batch === undefined) {
          batch = [];
          rounds.set(i, batch);
        }
        if (family.type === 'histogram') {
          batch.push({
            name: family.name,
            type: 'histogram',
            value: p.sum!,
            labels: series.labels,
            timestamp: p.t,
            buckets: HISTOGRAM_BOUNDS,
            cumulative: {
              kind: 'histogram',
              buckets: p.buckets!,
              sum: p.sum!,
              count: p.buckets![HISTOGRAM_BOUNDS.length]!,
            },
          });
        } else if (family.type === 'counter') {
          batch.push({
            name: family.name,
            type: 'counter',
            value: p.value,
            labels: series.labels,
            timestamp: p.t,
            cumulative: { kind: 'counter-total' },
          });
        } else {
          batch.push({
            name: family.name,
            type: 'gauge',
            value: p.value,
            labels: series.labels,
            timestamp: p.t,
          });
        }
      });
    }
  }
  return [...rounds.entries()].sort((a, b) => a[0] - b[0]).map(([, batch]) => batch);
}
