import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CheckRecorder } from '../src/health/check-recorder.js';
import { benchServices, report, seeded, tempDir } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The targets: a plain HTTP server in its own process, so its CPU is not counted as ours. */
async function startTargets(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `require('node:http').createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1', function () {
         process.stdout.write(String(this.address().port) + '\\n');
       });`,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  return { child, port: Number(chunk.toString().trim()) };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
}

/** Baseline: the same requests with bare http.request, spread evenly over one interval. */
async function bareRequests(port: number, count: number, intervalMs: number): Promise<number> {
  const started = process.cpuUsage();
  const gap = intervalMs / count;
  const t0 = Date.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const wait = t0 + i * gap - Date.now();
    if (wait > 1) await sleep(wait);
    inflight.push(
      new Promise<void>((resolve) => {
        const req = request({ host: '127.0.0.1', port, path: `/s/${String(i)}`, agent: false }, (res) => {
          res.resume();
          res.on('end', resolve);
        });
        req.on('error', () => {
          resolve();
        });
        req.end();
      }),
    );
  }
  await Promise.all(inflight);
  return cpuMs(started);
}

/** Live part: N services from a services file, probed for `intervals` intervals after a first one. */
async function live(targets: number, intervalMs: number, intervals: number): Promise<void> {
  const { child, port } = await startTargets();
  const dir = tempDir('health');
  const file = join(dir, 'services.yml');
  const lines = ['services:'];
  for (let i = 0; i < targets; i++)
    lines.push(
      `  - { name: svc-${String(i)}, url: "http://127.0.0.1:${String(port)}/s/${String(i)}", interval: ${String(intervalMs)}, timeout: 5000 }`,
    );
  writeFileSync(file, lines.join('\n'));

  const baselineCpuMs = await bareRequests(port, targets, intervalMs);
  const { services, dir: dataDir } = await benchServices({
    EGRESS_ALLOWLIST: '127.0.0.1',
    HEALTH_SERVICES_FILE: file,
    CHECKPOINT_INTERVAL_MS: '60000',
  });
  const lateness = services.own.healthCheckLateness;
  await sleep(intervalMs); // the first interval: every service's first check, at its phase
  const before = (await lateness.get()).values;
  const countOf = (values: typeof before, le: number | '+Inf'): number =>
    values.find((v) => v.metricName?.endsWith('_bucket') && v.labels.le === le)?.value ?? 0;
  const started = process.cpuUsage();
  const wall = Date.now();
  const heapStart = process.memoryUsage();
  await sleep(intervalMs * intervals);
  const usedMs = cpuMs(started);
  const elapsed = Date.now() - wall;
  const after = (await lateness.get()).values;
  const delta = (le: number | '+Inf'): number => countOf(after, le) - countOf(before, le);
  const checks = delta('+Inf');
  const bounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const p99Bound = bounds.find((le) => delta(le) >= 0.99 * checks) ?? Infinity;
  const memory = process.memoryUsage();
  const states = services.health.checker.list().map((s) => s.tracker.state);
  report('health_live', {
    targets,
    interval_s: intervalMs / 1000,
    checks_per_interval: (checks / elapsed) * intervalMs,
    expected_per_interval: targets,
    p99_lateness_at_most_s: p99Bound,
    late_over_1s: checks - delta(1),
    cpu_pct_of_one_core: (usedMs / elapsed) * 100,
    bare_requests_cpu_pct: (baselineCpuMs / intervalMs) * 100,
    ratio_vs_bare_requests: usedMs / elapsed / (baselineCpuMs / intervalMs),
    rss_mb: memory.rss / 2 ** 20,
    heap_used_mb: memory.heapUsed / 2 ** 20,
    heap_growth_mb: (memory.heapUsed - heapStart.heapUsed) / 2 ** 20,
    up: states.filter((s) => s === 'up').length,
    target: 'p99 lateness < 1 s, CPU < 50 %',
  });
  await services.close();
  child.kill();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

/**
 * Stored part: `days` of 30 s checks for `targets` services written through the real recorder (series in
 * the metric store + hourly roll-ups), then the file's growth per check after a checkpoint and close.
 * Response times jitter around a per-service mean, 0.5 % of checks fail; baseline: 16 bytes of a raw
 * (timestamp, value) pair per check.
 */
async function stored(targets: number, days: number): Promise<void> {
  const { services, dir } = await benchServices();
  const ids = await Promise.all(
    Array.from({ length: targets }, (_, i) =>
      services.health.store.saveService(
        `svc-${String(i)}`,
        JSON.stringify({ name: `svc-${String(i)}`, url: `https://svc-${String(i)}.example.com/health` }),
        'api',
        Date.now(),
      ),
    ),
  );
  await services.close();
  const file = join(dir, 'metrics.db');
  const emptyBytes = statSync(file).size;
  const { services: again } = await benchServices({ DATA_DIR: dir });
  const recorder = new CheckRecorder(again.ingest, again.health.store);
  const rnd = seeded(7);
  const means = ids.map(() => 20 + rnd() * 200);
  const perService = (days * 86_400_000) / 30_000;
  const start = Date.now() - days * 86_400_000;
  for (let k = 0; k < perService; k++) {
    for (let i = 0; i < targets; i++) {
      const ok = rnd() > 0.005;
      recorder.record({
        serviceId: ids[i]!,
        service: `svc-${String(i)}`,
        result: {
          ok,
          durationMs: means[i]! * (0.7 + rnd() * 0.6),
          ...(ok
            ? { statusCode: 200 }
            : { statusCode: 503, reason: { code: 'status_code', message: '503' } }),
        },
        at: start + k * 30_000 + i,
        state: ok ? 'up' : 'down',
        failures: ok ? 0 : 1,
        since: start,
      });
    }
    if (k % 20 === 19) await recorder.flush();
  }
  await recorder.flush();
  await again.close();
  const checks = perService * targets;
  const bytes = statSync(file).size - emptyBytes;
  report('health_stored', {
    services: targets,
    days,
    checks,
    bytes_per_check: bytes / checks,
    raw_pair_bytes: 16,
    target: '<= 20 bytes per check',
  });
  rmSync(dir, { recursive: true, force: true });
}

export async function benchHealth(): Promise<void> {
  const env = process.env;
  await live(
    Number(env.BENCH_HEALTH_TARGETS ?? 10_000),
    Number(env.BENCH_HEALTH_INTERVAL_MS ?? 30_000),
    Number(env.BENCH_HEALTH_INTERVALS ?? 2),
  );
  await stored(Number(env.BENCH_HEALTH_STORED_SERVICES ?? 500), Number(env.BENCH_HEALTH_STORED_DAYS ?? 1));
}
