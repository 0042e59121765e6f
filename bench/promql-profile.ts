import { existsSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { loadConfig } from '../src/config/config.js';
import { createServices } from '../src/services.js';
import { BENCH_ADMIN_TOKEN } from './support.js';
import { ingestBenchData, PROMQL_BENCH_QUERIES } from './promql-data.js';

/**
 * The PromQL benchmark's queries on the service alone, for profiling: `node --import tsx
 * bench/promql-profile.ts`. The data set (`BENCH_PROMQL_SERIES`, 1,000) is ingested once into a data
 * directory kept for the day, so later runs read it back from the store as a restarted service would.
 * Prints each query's CPU time (median and every run of `BENCH_PROMQL_RUNS`, 7); with
 * `BENCH_PROMQL_PROFILE=dir`, writes a V8 CPU profile per query there (open in Chrome's DevTools).
 */
const series = Number(process.env.BENCH_PROMQL_SERIES ?? 1000);
const runs = Number(process.env.BENCH_PROMQL_RUNS ?? 7);
const profileDir = process.env.BENCH_PROMQL_PROFILE;
const day = 86_400_000;
const end = Math.floor(Date.now() / day) * day;
const start = end - day;
const scrapeMs = 60_000;
const dir = join(tmpdir(), `metrics-bench-promql-profile-${series}-${end / day}`);
const fresh = !existsSync(dir);
const services = await createServices(
  loadConfig({
    LOG_LEVEL: 'silent',
    DATA_DIR: dir,
    CHECKPOINT_INTERVAL_MS: '3600000',
    SYSTEM_COLLECT_INTERVAL: '0',
    APPLICATION_COLLECT_INTERVAL: '0',
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    ADMIN_PASSWORD: 'bench-root-password-1234',
    MAX_SERIES_PER_METRIC: String(series * 2),
    METRICS_TTL: String(30 * 86_400),
  }),
  pino({ level: 'silent' }),
);
if (fresh) await ingestBenchData(services, series, start, end, scrapeMs);
const step = Math.ceil((end - start) / 500);
const session = new Session();
if (profileDir !== undefined) {
  session.connect();
  await session.post('Profiler.enable');
}
for (const [name, query] of Object.entries(PROMQL_BENCH_QUERIES)) {
  // Warm-ups: V8 optimises the engine's loops after a few queries (see promql.ts).
  for (let w = 0; w < 3; w++) await services.promql.rangeQuery(query, start, end, step);
  if (profileDir !== undefined) await session.post('Profiler.start');
  const cpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    const before = process.cpuUsage();
    await services.promql.rangeQuery(query, start, end, step);
    const used = process.cpuUsage(before);
    cpu.push((used.user + used.system) / 1000);
  }
  if (profileDir !== undefined) {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(profileDir, `promql-${name}.cpuprofile`), JSON.stringify(profile));
  }
  const sorted = [...cpu].sort((a, b) => a - b);
  process.stdout.write(
    `promql_profile_${name}: series=${series}  cpu_ms_median=${sorted[Math.floor(runs / 2)]!.toFixed(1)}  runs=${cpu.map((c) => c.toFixed(0)).join(',')}\n`,
  );
}
await services.close();
