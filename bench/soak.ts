import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { printProfileDrift, readProfile } from './soak-profile.js';
import { BENCH_ADMIN_TOKEN, BENCH_AUTH, report, seeded, tempDir } from './support.js';

/**
 * Soak: the built service (dist/main.js) as a child process under a steady mixed load for `minutes`,
 * sampled once a minute, to tell fill-up (memory that follows the data and series held) from a leak
 * (memory that grows while they stay put).
 *
 * Load, all authenticated: an ingest batch every second (200 gauges, 20 counters, 10 histograms, and
 * 50 new label sets a minute for the first SOAK_GROWTH_MINUTES, then none), a range query every second
 * (alternately over the last hour and the last 10 minutes), a /metrics scrape every 5 s, /health and
 * /ready every second, 5 HTTP health checks every 5 s and 3 alert rules (one flapping, webhook
 * notifications) evaluated every 5 s, beside the service's own system and application collectors.
 *
 * Each minute: RSS (/proc/<pid>/status), the lowest `nodejs_heap_size_used_bytes` of the minute's
 * scrapes (the heap left after the collections), active series, the store's files on disk, and the
 * p50 of each kind of request, and the service's CPU time in the minute (the load is the same each minute,
 * so it grows only if the work per request does). SOAK_SNAPSHOT_MINUTES=10,30 writes heap snapshots at
 * those minutes (`--heapsnapshot-signal`) into SOAK_SNAPSHOT_DIR, to diff the retainers if the heap
 * outgrows the data; writing one raises RSS for good (by ~140 MiB with a 36 MiB heap: the writer's native
 * memory stays with the allocator), so compare RSS only before the first snapshot.
 *
 * SOAK_CPU_PROFILE=<dir> runs the service under `--cpu-prof` (one sample per 5 ms) and, at the end, compares
 * where its CPU went in the minutes after the growth phase and in the last five minutes (bench/soak-
 * profile.ts): the functions whose self time per minute grew tell a drift of CPU per minute from noise.
 */
export async function benchSoak(
  minutes = Number(process.env.SOAK_MINUTES ?? 10),
  growthMinutes = Number(process.env.SOAK_GROWTH_MINUTES ?? 5),
): Promise<void> {
  const receiver = await startReceiver();
  const dataDir = tempDir('soak');
  const snapshotDir = process.env.SOAK_SNAPSHOT_DIR ?? dataDir;
  const snapshotMinutes = new Set(
    (process.env.SOAK_SNAPSHOT_MINUTES ?? '').split(',').filter(Boolean).map(Number),
  );
  const port = await freePort();
  const profileDir = process.env.SOAK_CPU_PROFILE;
  const profiling =
    profileDir === undefined
      ? []
      : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval=5000'];
  const spawnedAt = Date.now();
  const child = spawn(
    process.execPath,
    [...profiling, '--heapsnapshot-signal=SIGUSR2', join(process.cwd(), 'dist/main.js')],
    {
      cwd: snapshotDir,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        LOG_LEVEL: 'warn',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
        ADMIN_PASSWORD: 'bench-root-password-1234',
        RATE_LIMIT_MAX: '10000000',
        EGRESS_ALLOWLIST: '127.0.0.1',
        ALERT_EVALUATION_INTERVAL: '5000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    },
  );
  const base = `http://127.0.0.1:${String(port)}`;
  const client = new Client(base);
  try {
    await waitReady(base, child);
    await setUp(client, receiver.url);
    const minuteStats: MinuteStats[] = [];
    const load = new Load(client, growthMinutes);
    const started = Date.now();
    const loops = load.start();
    let cpuBefore = cpuSeconds(child.pid!);
    for (let minute = 1; minute <= minutes; minute++) {
      await sleepUntil(started + minute * 60_000);
      const stats = await sample(minute, child, dataDir, client, load.takeMinute(), cpuBefore);
      cpuBefore += stats.cpu_s;
      minuteStats.push(stats);
      report('soak_minute', { ...stats });
      if (snapshotMinutes.has(minute)) child.kill('SIGUSR2');
    }
    load.stop();
    await loops;
    summarise(minuteStats);
    if (process.env.SOAK_OUT) writeFileSync(process.env.SOAK_OUT, JSON.stringify(minuteStats, null, 1));
    if (profileDir !== undefined) {
      await stopped(child);
      // The profile's clock starts with the process: the load began `offset` ms later.
      const offset = started - spawnedAt;
      const settled = Math.min(minutes - 5, growthMinutes + 2);
      const window = (from: number, to: number) => ({
        label: `minutes ${String(from)}–${String(to)}`,
        fromMs: offset + from * 60_000,
        toMs: offset + to * 60_000,
      });
      printProfileDrift(readProfile(profileDir), [
        window(settled, settled + 5),
        window(minutes - 5, minutes),
      ]);
    }
  } finally {
    await stopped(child);
    receiver.server.close();
    if (!process.env.SOAK_KEEP) rmSync(dataDir, { recursive: true, force: true });
  }
}

interface MinuteStats {
  minute: number;
  rss_mib: number;
  /** The service's CPU time in the minute (utime + stime): the load is the same every minute. */
  cpu_s: number;
  heap_used_min_mib: number;
  heap_total_mib: number;
  external_mib: number;
  active_series: number;
  db_mib: number;
  ingest_p50_ms: number;
  query_1h_p50_ms: number;
  query_10m_p50_ms: number;
  scrape_p50_ms: number;
  requests: number;
  failures: number;
}

class Client {
  constructor(private readonly base: string) {}

  async call(method: string, path: string, body?: unknown): Promise<{ ms: number; ok: boolean }> {
    const started = performance.now();
    const response = await fetch(`${this.base}${path}`, {
      method,
      headers: { ...BENCH_AUTH, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    const ms = performance.now() - started;
    if (!response.ok) process.stderr.write(`soak: ${method} ${path} → ${String(response.status)} ${text}\n`);
    this.lastText = text;
    return { ms, ok: response.ok };
  }

  lastText = '';
}

/** The mixed load: one loop per kind of request, each at its own pace, one request at a time. */
class Load {
  private running = true;
  private readonly timings = new Map<string, number[]>();
  private requests = 0;
  private failures = 0;
  private readonly heapUsed: number[] = [];
  private readonly rnd = seeded(42);
  private readonly started = Date.now();

  constructor(
    private readonly client: Client,
    private readonly growthMinutes: number,
  ) {}

  start(): Promise<unknown> {
    return Promise.all([
      this.every(1000, 'ingest', () => this.client.call('POST', '/api/metrics/batch', this.batch())),
      this.every(1000, 'query', (turn) =>
        turn % 2 === 0
          ? this.timed('query_1h', () =>
              this.client.call('GET', '/api/metrics/query?metric=soak_gauge_3&start=now-1h&by=instance'),
            )
          : this.timed('query_10m', () =>
              this.client.call('GET', '/api/metrics/query?metric=soak_gauge_3&start=now-10m&by=instance'),
            ),
      ),
      this.every(5000, 'scrape', async () => {
        const result = await this.client.call('GET', '/metrics');
        const heap = gaugeValue(this.client.lastText, 'nodejs_heap_size_used_bytes');
        if (heap !== undefined) this.heapUsed.push(heap);
        return result;
      }),
      this.every(1000, 'health', async () => {
        await this.client.call('GET', '/health');
        return this.client.call('GET', '/ready');
      }),
    ]);
  }

  stop(): void {
    this.running = false;
  }

  /** The minute's figures, and a fresh start for the next one. */
  takeMinute(): Omit<
    MinuteStats,
    'minute' | 'rss_mib' | 'cpu_s' | 'heap_total_mib' | 'external_mib' | 'active_series' | 'db_mib'
  > {
    const p50 = (name: string): number => median(this.timings.get(name) ?? []);
    const figures = {
      heap_used_min_mib: Math.min(...this.heapUsed) / 2 ** 20,
      ingest_p50_ms: p50('ingest'),
      query_1h_p50_ms: p50('query_1h'),
      query_10m_p50_ms: p50('query_10m'),
      scrape_p50_ms: p50('scrape'),
      requests: this.requests,
      failures: this.failures,
    };
    this.timings.clear();
    this.heapUsed.length = 0;
    this.requests = 0;
    this.failures = 0;
    return figures;
  }

  private async timed(
    name: string,
    work: () => Promise<{ ms: number; ok: boolean }>,
  ): Promise<{ ms: number; ok: boolean }> {
    const result = await work();
    const list = this.timings.get(name) ?? [];
    list.push(result.ms);
    this.timings.set(name, list);
    return result;
  }

  private async every(
    periodMs: number,
    name: string,
    work: (turn: number) => Promise<{ ms: number; ok: boolean }>,
  ): Promise<void> {
    const first = Date.now();
    for (let turn = 0; this.running; turn++) {
      try {
        const result = name === 'query' ? await work(turn) : await this.timed(name, () => work(turn));
        this.requests++;
        if (!result.ok) this.failures++;
      } catch (error) {
        this.failures++;
        process.stderr.write(`soak: ${name}: ${String(error)}\n`);
      }
      await sleepUntil(first + (turn + 1) * periodMs);
    }
  }

  private counterTotal = 0;

  /** 200 gauges (10 names × 20 instances), 20 counters, 10 histogram observations, new job label sets. */
  private batch(): { metrics: unknown[] } {
    const now = Date.now();
    const minute = Math.floor((now - this.started) / 60_000);
    const metrics: unknown[] = [];
    for (let name = 0; name < 10; name++) {
      for (let instance = 0; instance < 20; instance++) {
        metrics.push({
          name: `soak_gauge_${String(name)}`,
          labels: { instance: `i${String(instance)}` },
          value: Math.round(50 + 40 * Math.sin(now / 90_000 + instance) + this.rnd() * 5),
          timestamp: now,
        });
      }
    }
    for (let route = 0; route < 10; route++) {
      for (const status of ['200', '500']) {
        metrics.push({
          name: 'soak_requests_total',
          type: 'counter',
          labels: { route: `/r${String(route)}`, status },
          value: Math.floor(this.rnd() * 20),
          timestamp: now,
        });
      }
      metrics.push({
        name: 'soak_latency_seconds',
        type: 'histogram',
        labels: { route: `/r${String(route)}` },
        value: this.rnd() * 2,
        timestamp: now,
      });
    }
    this.counterTotal++;
    if (minute < this.growthMinutes) {
      // 50 new label sets a minute: the series count rises, then stays put.
      const job = this.counterTotal % 50;
      metrics.push({
        name: 'soak_job_duration_seconds',
        labels: { job: `m${String(minute)}-j${String(job)}` },
        value: this.rnd() * 100,
        timestamp: now,
      });
    }
    return { metrics };
  }
}

async function setUp(client: Client, receiverUrl: string): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await client.call('POST', '/api/health/services', {
      name: `soak-${String(i)}`,
      url: `${receiverUrl}/svc/${String(i)}`,
      interval: 5000,
    });
  }
  const hook = [{ type: 'webhook', destination: `${receiverUrl}/hook` }];
  // soak_gauge_0 swings 10-95: this one fires and resolves every few minutes.
  await client.call('POST', '/api/alerts/rules', {
    name: 'Soak flapping',
    metricName: 'soak_gauge_0',
    threshold: 80,
    notificationChannels: hook,
  });
  await client.call('POST', '/api/alerts/rules', {
    name: 'Soak never',
    metricName: 'soak_gauge_1',
    threshold: 1000,
    notificationChannels: hook,
  });
  await client.call('POST', '/api/alerts/rules', {
    name: 'Soak latency',
    metricName: 'soak_latency_seconds',
    threshold: 5,
    notificationChannels: hook,
  });
}

async function sample(
  minute: number,
  child: ChildProcess,
  dataDir: string,
  client: Client,
  figures: ReturnType<Load['takeMinute']>,
  cpuBefore: number,
): Promise<MinuteStats> {
  await client.call('GET', '/metrics');
  return {
    minute,
    rss_mib: residentKib(child.pid!) / 1024,
    cpu_s: cpuSeconds(child.pid!) - cpuBefore,
    heap_used_min_mib: figures.heap_used_min_mib,
    heap_total_mib: (gaugeValue(client.lastText, 'nodejs_heap_size_total_bytes') ?? NaN) / 2 ** 20,
    external_mib: (gaugeValue(client.lastText, 'nodejs_external_memory_bytes') ?? NaN) / 2 ** 20,
    active_series: gaugeValue(client.lastText, 'metrics_service_active_series') ?? NaN,
    db_mib: directoryBytes(dataDir) / 2 ** 20,
    ingest_p50_ms: figures.ingest_p50_ms,
    query_1h_p50_ms: figures.query_1h_p50_ms,
    query_10m_p50_ms: figures.query_10m_p50_ms,
    scrape_p50_ms: figures.scrape_p50_ms,
    requests: figures.requests,
    failures: figures.failures,
  };
}

/** First and last minute after the warm-up (minute 2), and the growth per minute over the second half. */
function summarise(stats: readonly MinuteStats[]): void {
  const first = stats.find((s) => s.minute === 2) ?? stats[0];
  const last = stats.at(-1);
  if (first === undefined || last === undefined) return;
  const half = stats[Math.floor(stats.length / 2)]!;
  const span = Math.max(1, last.minute - half.minute);
  const slope = (key: keyof MinuteStats): number => (last[key] - half[key]) / span;
  report('soak', {
    minutes: last.minute,
    cpu_s_first: first.cpu_s,
    cpu_s_last: last.cpu_s,
    rss_mib_first: first.rss_mib,
    rss_mib_last: last.rss_mib,
    heap_used_min_mib_first: first.heap_used_min_mib,
    heap_used_min_mib_last: last.heap_used_min_mib,
    series_first: first.active_series,
    series_last: last.active_series,
    db_mib_first: first.db_mib,
    db_mib_last: last.db_mib,
    query_1h_p50_ratio_last_vs_first: last.query_1h_p50_ms / first.query_1h_p50_ms,
    query_10m_p50_ratio_last_vs_first: last.query_10m_p50_ms / first.query_10m_p50_ms,
    second_half_rss_mib_per_min: slope('rss_mib'),
    second_half_heap_mib_per_min: slope('heap_used_min_mib'),
    second_half_db_mib_per_min: slope('db_mib'),
    second_half_series_per_min: slope('active_series'),
    failures: stats.reduce((sum, s) => sum + s.failures, 0),
  });
}

/** A local HTTP server: the health checks' targets and the alert webhook. */
async function startReceiver(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end('ok'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, server };
}

/** SIGTERM, then the exit (the service writes its CPU profile as it exits). */
async function stopped(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitReady(base: string, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited with ${String(child.exitCode)}`);
    const ready = await fetch(`${base}/ready`).then(
      (r) => r.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error('the service was not ready within 30 s');
}

/** utime + stime of /proc/<pid>/stat, in seconds (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function residentKib(pid: number): number {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
}

function directoryBytes(dir: string): number {
  return readdirSync(dir)
    .filter((name) => name.includes('.db'))
    .reduce((sum, name) => sum + statSync(join(dir, name)).size, 0);
}

/** The value of an unlabelled line of the text exposition. */
function gaugeValue(text: string, name: string): number | undefined {
  const match = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.e+-]+)`, 'm').exec(text);
  return match === null ? undefined : Number(match[1]);
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function sleepUntil(at: number): Promise<void> {
  const wait = at - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}
