import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createServices } from '../src/services.js';
import type { IngestSample } from '../src/ingest/sample-schema.js';
import { seeded } from './support.js';

const SERIES = Number(process.env.S ?? 1000);
const dir = `/tmp/pq/data-${SERIES}-${Math.floor(Date.now() / 86_400_000)}`;
const fresh = !existsSync(dir);
const config = loadConfig({
  LOG_LEVEL: 'silent',
  DATA_DIR: dir,
  CHECKPOINT_INTERVAL_MS: '3600000',
  SYSTEM_COLLECT_INTERVAL: '0',
  APPLICATION_COLLECT_INTERVAL: '0',
  ADMIN_TOKEN: 'bench-admin-token-0123456789abcdef-not-secret',
  ADMIN_PASSWORD: 'bench-root-password-1234',
  RATE_LIMIT_MAX: '10000000',
  MAX_SERIES_PER_METRIC: String(SERIES * 2),
  METRICS_TTL: String(30 * 86_400),
});
const services = await createServices(config, pino({ level: 'silent' }));
const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const scrapeMs = 60_000;
const END = Math.floor(Date.now() / 86_400_000) * 86_400_000;
const end = END,
  start = end - 24 * 3_600_000;
if (fresh) {
  const labelsOf = (i: number) => ({ route: `/r${i % 20}`, instance: `i${Math.floor(i / 20)}` });
  const counters = Array.from({ length: SERIES }, (_, i) => {
    const r = seeded(1000 + i);
    let tot = 0;
    return () => (tot += Math.floor(r() * 20));
  });
  const hs = Math.max(1, Math.round(SERIES / 10));
  const histograms = Array.from({ length: hs }, (_, h) => {
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
  });
  const t0 = performance.now();
  for (let t = start; t <= end; t += scrapeMs) {
    const round: IngestSample[] = [];
    counters.forEach((next, i) =>
      round.push({
        name: 'bench_requests',
        type: 'counter',
        value: next(),
        labels: labelsOf(i),
        timestamp: t,
        cumulative: { kind: 'counter-total' },
      }),
    );
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
  console.log('ingest s', (performance.now() - t0) / 1000);
}
const Q: Record<string, string> = {
  rate: 'sum by (route) (rate(bench_requests_total[5m]))',
  histogram: 'histogram_quantile(0.95, sum by (le) (rate(bench_latency_seconds_bucket[5m])))',
};
const step = Math.ceil((end - start) / 500);
const runs = Number(process.env.RUNS ?? 5);
const session = new Session();
if (process.env.PROF) {
  session.connect();
  await session.post('Profiler.enable');
}
const outs: Record<string, unknown> = {};
for (const [name, q] of Object.entries(Q)) {
  await services.promql.rangeQuery(q, start, end, step);
  if (process.env.PROF) await session.post('Profiler.start');
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const res = await services.promql.rangeQuery(q, start, end, step);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
    outs[name] = res;
  }
  if (process.env.PROF) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(`/tmp/pq/${name}.cpuprofile`, JSON.stringify(profile));
  }
  cpu.sort((a, b) => a - b);
  console.log(name, 'cpu ms median', cpu[Math.floor(runs / 2)], cpu.map((x) => x.toFixed(0)).join(' '));
}
if (process.env.DUMP) writeFileSync(process.env.DUMP, JSON.stringify(outs));
await services.close();
