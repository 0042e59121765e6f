import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { formatValue } from '../src/telemetry/text-format.js';
import {
  BOUNDS,
  counterSeries,
  histogramSeries,
  histogramSetsFor,
  ingestBenchData,
  labelsOf,
  PROMQL_BENCH_QUERIES as QUERIES,
} from './promql-data.js';
import { benchServices, report, tempDir } from './support.js';

/**
 * CPU time (ms) a process has used so far, summed over its threads (Go runs queries on many): field 1 of
 * /proc/<pid>/task/<tid>/schedstat is nanoseconds on a CPU. What a loaded host cannot inflate, unlike wall time.
 */
function processCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

/** This process' CPU time (ms), user and system. */
function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  return port;
}

/**
 * Issue 17's benchmark: `query_range` over 24 h at 500 points of a dashboard's two usual expressions, on
 * `series` counter series and as many histogram bucket series, in the service's engine and in the real
 * Prometheus holding the same samples (loaded with promtool), same run. Scrapes every BENCH_PROMQL_SCRAPE_S
 * seconds (60: 1,440 samples per series a day). Prints the medians of BENCH_PROMQL_RUNS runs and the ratio.
 */
export async function benchPromql(
  sizes = (process.env.BENCH_PROMQL_SERIES ?? '1000,10000').split(',').map(Number),
  scrapeS = Number(process.env.BENCH_PROMQL_SCRAPE_S ?? 60),
  runs = Number(process.env.BENCH_PROMQL_RUNS ?? 3),
): Promise<void> {
  if (spawnSync('/bin/sh', ['-c', 'command -v prometheus && command -v promtool']).status !== 0) {
    process.stdout.write('promql: prometheus and promtool not found (apt-get install prometheus): skipped\n');
    return;
  }
  for (const series of sizes) await benchSize(series, scrapeS * 1000, runs);
}

/** Queries of each kind run before measuring (BENCH_PROMQL_WARM_UPS). */
const WARM_UPS = Number(process.env.BENCH_PROMQL_WARM_UPS ?? 3);

async function benchSize(series: number, scrapeMs: number, runs: number): Promise<void> {
  const hour = 3_600_000;
  const end = Math.floor(Date.now() / scrapeMs) * scrapeMs;
  const start = end - 24 * hour;
  const counterSets = series;
  const histogramSets = histogramSetsFor(series);
  const dir = tempDir('promql');
  const { services, dir: serviceDir } = await benchServices({
    MAX_SERIES_PER_METRIC: String(series * 2),
    METRICS_TTL: String(3 * 86_400),
  });

  const loadStarted = performance.now();
  await ingestBenchData(services, series, start, end, scrapeMs);
  const ingestS = (performance.now() - loadStarted) / 1000;

  const file = join(dir, 'data.om');
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : once(out, 'drain').then(() => undefined);
  const stamp = (t: number) => (t / 1000).toFixed(3);
  const labelText = (i: number) => {
    const l = labelsOf(i);
    return `route="${l.route}",instance="${l.instance}"`;
  };
  await write('# TYPE bench_requests counter\n');
  for (let i = 0; i < counterSets; i++) {
    const next = counterSeries(i);
    const lines: string[] = [];
    for (let t = start; t <= end; t += scrapeMs) {
      lines.push(`bench_requests_total{${labelText(i)}} ${formatValue(next())} ${stamp(t)}\n`);
    }
    await write(lines.join(''));
  }
  await write('# TYPE bench_latency_seconds histogram\n');
  for (let h = 0; h < histogramSets; h++) {
    for (let b = 0; b <= BOUNDS.length; b++) {
      const next = histogramSeries(h);
      const le = b < BOUNDS.length ? formatValue(BOUNDS[b]!) : '+Inf';
      const lines: string[] = [];
      for (let t = start; t <= end; t += scrapeMs) {
        lines.push(
          `bench_latency_seconds_bucket{${labelText(h)},le="${le}"} ${formatValue(next()[b]!)} ${stamp(t)}\n`,
        );
      }
      await write(lines.join(''));
    }
  }
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
  const created = spawnSync(
    'promtool',
    ['tsdb', 'create-blocks-from', 'openmetrics', file, join(dir, 'data')],
    {
      encoding: 'utf8',
    },
  );
  if (created.status !== 0) throw new Error(`promtool: ${created.stderr}`);
  rmSync(file);
  writeFileSync(join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1m\n');
  const port = await freePort();
  const prometheus = spawn(
    'prometheus',
    [
      `--config.file=${join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--storage.tsdb.retention.time=30d',
    ],
    { stdio: 'ignore' },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${url}/-/ready`)).ok) break;
    } catch {
      // not up yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const engine = services.promql;
  const step = Math.ceil((end - start) / 500);
  const params = (query: string) =>
    new URLSearchParams({
      query,
      start: String(start / 1000),
      end: String(end / 1000),
      step: String(step / 1000),
    });
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  for (const [name, query] of Object.entries(QUERIES)) {
    const ours: number[] = [];
    const theirs: number[] = [];
    const oursCpu: number[] = [];
    const theirsCpu: number[] = [];
    let points = 0;
    // Warm-ups (page cache; V8 optimises the engine's loops only after a few queries, and the first
    // measured query ran ~2.5x slower than the settled ones: a running service is warm), then alternate
    // the two so load on the host hits both alike.
    for (let w = 0; w < WARM_UPS; w++) {
      await engine.rangeQuery(query, start, end, step);
      await fetch(`${url}/api/v1/query_range?${params(query).toString()}`);
    }
    for (let r = 0; r < runs; r++) {
      let started = performance.now();
      let cpu = ownCpuMs();
      const result = await engine.rangeQuery(query, start, end, step);
      oursCpu.push(ownCpuMs() - cpu);
      ours.push(performance.now() - started);
      if (result.resultType === 'matrix') points = result.result.reduce((n, s) => n + s.values.length, 0);
      started = performance.now();
      cpu = processCpuMs(prometheus.pid!);
      const response = await fetch(`${url}/api/v1/query_range?${params(query).toString()}`);
      await response.text();
      theirsCpu.push(processCpuMs(prometheus.pid!) - cpu);
      theirs.push(performance.now() - started);
    }
    report(`promql_${name}`, {
      series,
      samples_per_series: Math.floor((end - start) / scrapeMs) + 1,
      points,
      ours_cpu_ms: median(oursCpu),
      prometheus_cpu_ms: median(theirsCpu),
      cpu_ratio: median(oursCpu) / median(theirsCpu),
      ours_wall_ms: median(ours),
      prometheus_wall_ms: median(theirs),
      wall_ratio: median(ours) / median(theirs),
      target: '<= 1.0',
    });
  }
  report('promql_load', { series, service_ingest_s: ingestS });
  prometheus.kill('SIGTERM');
  await once(prometheus, 'exit');
  await services.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(serviceDir, { recursive: true, force: true });
}
