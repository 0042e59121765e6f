import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { IngestSample } from '../src/ingest/sample-schema.js';
import { createServiceEngine } from '../src/promql/service-engine.js';
import { formatValue } from '../src/telemetry/text-format.js';
import { benchServices, report, seeded, tempDir } from './support.js';

const BOUNDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
const ROUTES = 20;

const QUERIES = {
  rate: 'sum by (route) (rate(bench_requests_total[5m]))',
  histogram: 'histogram_quantile(0.95, sum by (le) (rate(bench_latency_seconds_bucket[5m])))',
};

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

async function benchSize(series: number, scrapeMs: number, runs: number): Promise<void> {
  const hour = 3_600_000;
  const end = Math.floor(Date.now() / scrapeMs) * scrapeMs;
  const start = end - 24 * hour;
  const counterSets = series;
  const histogramSets = Math.max(1, Math.round(series / (BOUNDS.length + 1)));
  const dir = tempDir('promql');
  const { services, dir: serviceDir } = await benchServices({
    MAX_SERIES_PER_METRIC: String(series * 2),
    METRICS_TTL: String(3 * 86_400),
  });

  // One pass over the scrapes: the service ingests them round by round, the OpenMetrics file is written
  // series by series (what promtool needs), so the samples are generated twice from the same seed.
  const labelsOf = (i: number) => ({ route: `/r${i % ROUTES}`, instance: `i${Math.floor(i / ROUTES)}` });
  const generate = (
    emit: (kind: 'counter' | 'histogram', set: number, t: number, state: number[]) => void,
  ) => {
    const rnd = seeded(17);
    const totals = new Float64Array(counterSets);
    const buckets = Array.from({ length: histogramSets }, () => new Array<number>(BOUNDS.length + 2).fill(0));
    for (let t = start; t <= end; t += scrapeMs) {
      for (let i = 0; i < counterSets; i++) {
        totals[i]! += Math.floor(rnd() * 20);
        emit('counter', i, t, [totals[i]!]);
      }
      for (let h = 0; h < histogramSets; h++) {
        const state = buckets[h]!;
        for (let o = 0; o < 3; o++) {
          const value = rnd() ** 3 * 3;
          state[BOUNDS.length + 1]! += value;
          for (let b = 0; b <= BOUNDS.length; b++)
            if (b === BOUNDS.length || value <= BOUNDS[b]!) state[b]!++;
        }
        emit('histogram', h, t, state);
      }
    }
  };

  const loadStarted = performance.now();
  let round: IngestSample[] = [];
  let roundT = start;
  const flush = async () => {
    if (round.length > 0) await services.ingest.ingest(round, 'custom');
    round = [];
  };
  const pending: { kind: 'counter' | 'histogram'; set: number; t: number; state: number[] }[] = [];
  generate((kind, set, t, state) => pending.push({ kind, set, t, state: [...state] }));
  for (const p of pending) {
    if (p.t !== roundT) {
      await flush();
      roundT = p.t;
    }
    const labels = labelsOf(p.set);
    if (p.kind === 'counter') {
      round.push({
        name: 'bench_requests',
        type: 'counter',
        value: p.state[0]!,
        labels,
        timestamp: p.t,
        cumulative: { kind: 'counter-total' },
      });
    } else {
      const count = p.state[BOUNDS.length]!;
      round.push({
        name: 'bench_latency_seconds',
        type: 'histogram',
        value: p.state[BOUNDS.length + 1]!,
        labels,
        timestamp: p.t,
        buckets: BOUNDS,
        cumulative: {
          kind: 'histogram',
          buckets: p.state.slice(0, BOUNDS.length + 1),
          sum: p.state[BOUNDS.length + 1]!,
          count,
        },
      });
    }
  }
  await flush();
  const ingestS = (performance.now() - loadStarted) / 1000;

  // OpenMetrics for promtool: family by family, series by series, in time order.
  const file = join(dir, 'data.om');
  const out = createWriteStream(file);
  const write = (line: string) =>
    out.write(line) ? Promise.resolve() : once(out, 'drain').then(() => undefined);
  const bySeries = new Map<string, string[]>();
  const stamp = (t: number) => (t / 1000).toFixed(3);
  for (const p of pending) {
    const l = labelsOf(p.set);
    const labelText = `route="${l.route}",instance="${l.instance}"`;
    if (p.kind === 'counter') {
      const k = `c${p.set}`;
      if (!bySeries.has(k)) bySeries.set(k, []);
      bySeries.get(k)!.push(`bench_requests_total{${labelText}} ${formatValue(p.state[0]!)} ${stamp(p.t)}\n`);
    } else {
      for (let b = 0; b <= BOUNDS.length; b++) {
        const le = b < BOUNDS.length ? formatValue(BOUNDS[b]!) : '+Inf';
        const k = `h${p.set}_${b}`;
        if (!bySeries.has(k)) bySeries.set(k, []);
        bySeries
          .get(k)!
          .push(
            `bench_latency_seconds_bucket{${labelText},le="${le}"} ${formatValue(p.state[b]!)} ${stamp(p.t)}\n`,
          );
      }
    }
  }
  pending.length = 0;
  await write('# TYPE bench_requests counter\n');
  for (const [k, lines] of bySeries) if (k.startsWith('c')) await write(lines.join(''));
  await write('# TYPE bench_latency_seconds histogram\n');
  for (const [k, lines] of bySeries) if (k.startsWith('h')) await write(lines.join(''));
  await write('# EOF\n');
  out.end();
  await once(out, 'finish');
  bySeries.clear();
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

  const engine = createServiceEngine(services.config, services);
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
    let points = 0;
    // One warm-up each (page cache, JIT), then alternate the two so load on the host hits both alike.
    await engine.rangeQuery(query, start, end, step);
    await fetch(`${url}/api/v1/query_range?${params(query).toString()}`);
    for (let r = 0; r < runs; r++) {
      let started = performance.now();
      const result = await engine.rangeQuery(query, start, end, step);
      ours.push(performance.now() - started);
      if (result.resultType === 'matrix') points = result.result.reduce((n, s) => n + s.values.length, 0);
      started = performance.now();
      const response = await fetch(`${url}/api/v1/query_range?${params(query).toString()}`);
      await response.text();
      theirs.push(performance.now() - started);
    }
    report(`promql_${name}`, {
      series,
      samples_per_series: Math.floor((end - start) / scrapeMs) + 1,
      points,
      ours_median_ms: median(ours),
      prometheus_median_ms: median(theirs),
      ratio: median(ours) / median(theirs),
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
