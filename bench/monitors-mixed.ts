import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { PushTokens } from '../src/health/push-tokens.js';
import { benchServices, report, tempDir } from './support.js';

/**
 * 2,000 monitors at a 20 s interval on one process, against local targets in another process (their CPU
 * is not ours): mixed (40 % HTTP, 20 % TCP, 20 % DNS against a small DNS server, 20 % push with a
 * heartbeat each interval through the real HTTP route) next to HTTP only, measured in the same run, each
 * configuration in a fresh child process (so RSS is its own). CPU-s and RSS per 1,000 monitors, p99
 * lateness of checks. BENCH_MIXED_MONITORS, BENCH_MIXED_INTERVAL_MS, BENCH_MIXED_INTERVALS, BENCH_MIXED_RUNS.
 */
const SELF = fileURLToPath(import.meta.url);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** HTTP, TCP and DNS (UDP, answers A 10.0.0.1 to every question) on loopback; pushes heartbeats when told. */
const TARGETS = `
const http = require('node:http'), net = require('node:net'), dgram = require('node:dgram');
const web = http.createServer((q, s) => s.end('ok')).listen(0, '127.0.0.1');
const tcp = net.createServer((c) => c.end()).listen(0, '127.0.0.1');
const dns = dgram.createSocket('udp4');
dns.on('message', (m, from) => {
  let i = 12; while (m[i] !== 0) i += m[i] + 1; const end = i + 5;
  const head = Buffer.from(m.subarray(0, 12)); head.writeUInt16BE(0x8180, 2); head.writeUInt16BE(1, 6);
  const answer = Buffer.from([0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 30, 0, 4, 10, 0, 0, 1]);
  dns.send(Buffer.concat([head, m.subarray(12, end), answer]), from.port, from.address);
});
dns.bind(0, '127.0.0.1', () => setTimeout(() => process.stdout.write(JSON.stringify({ http: web.address().port, tcp: tcp.address().port, dns: dns.address().port }) + '\\n'), 50));
process.stdin.setEncoding('utf8');
// The bench process gone (ended or failed), its stdin closes: no target is left behind.
process.stdin.on('end', () => process.exit(0));
let buffered = '';
process.stdin.on('data', (chunk) => {
  buffered += chunk; const nl = buffered.indexOf('\\n'); if (nl < 0) return;
  const { base, tokens, intervalMs } = JSON.parse(buffered.slice(0, nl));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  tokens.forEach((token, i) => {
    const beat = () => http.request(base + '/api/push/' + token + '?status=up', { method: 'POST', agent }, (r) => r.resume()).on('error', () => {}).end();
    setTimeout(() => { beat(); setInterval(beat, intervalMs); }, (i * intervalMs) / tokens.length);
  });
});`;

interface Figures {
  monitors: number;
  cpuSeconds: number;
  elapsedSeconds: number;
  rssMb: number;
  heapMb: number;
  checks: number;
  p99LatenessAtMostS: number;
  up: number;
}

/** One configuration, in this (child) process: prints its figures as one JSON line. */
async function one(
  kind: 'mixed' | 'http',
  monitors: number,
  intervalMs: number,
  intervals: number,
): Promise<void> {
  const targets = spawn(process.execPath, ['-e', TARGETS], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(targets.stdout, 'data')) as [Buffer];
  const ports = JSON.parse(line.toString()) as { http: number; tcp: number; dns: number };
  const dir = tempDir('mixed');
  const file = join(dir, 'services.yml');
  const kinds = ['http', 'http', 'tcp', 'dns', 'push'];
  const lines = ['services:'];
  const pushNames: string[] = [];
  for (let i = 0; i < monitors; i++) {
    const type = kind === 'http' ? 'http' : kinds[i % kinds.length];
    const name = `m-${String(i)}`;
    const url =
      type === 'http'
        ? `http://127.0.0.1:${String(ports.http)}/s/${String(i)}`
        : type === 'tcp'
          ? `tcp://127.0.0.1:${String(ports.tcp)}`
          : type === 'dns'
            ? `dns://127.0.0.1:${String(ports.dns)}/m${String(i)}.test?type=A`
            : 'push://';
    if (type === 'push') pushNames.push(name);
    lines.push(
      `  - { name: ${name}, url: "${url}", interval: ${String(intervalMs)}, timeout: ${String(Math.min(5000, intervalMs))}${type === 'push' ? ', pushGrace: 10000' : ''} }`,
    );
  }
  writeFileSync(file, lines.join('\n'));
  const { services, dir: dataDir } = await benchServices({
    EGRESS_ALLOWLIST: '127.0.0.1',
    HEALTH_SERVICES_FILE: file,
    CHECKPOINT_INTERVAL_MS: '60000',
    HEALTH_PUSH_MAX_PER_MINUTE: '100',
  });
  const app = await buildApp(services);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const tokens = new PushTokens(services.alerting.store);
  const issued: string[] = [];
  for (const name of pushNames)
    issued.push(
      await tokens.issue({ service: name, createdAt: services.health.checker.get(name).createdAt }),
    );
  targets.stdin.write(
    `${JSON.stringify({ base: `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`, tokens: issued, intervalMs })}\n`,
  );
  const lateness = services.own.healthCheckLateness;
  await sleep(intervalMs); // the first interval: every monitor's first check at its phase, every first push
  const before = (await lateness.get()).values;
  const countOf = (values: typeof before, le: number | '+Inf'): number =>
    values.find((v) => v.metricName?.endsWith('_bucket') && v.labels.le === le)?.value ?? 0;
  const cpu = process.cpuUsage();
  const wall = Date.now();
  await sleep(intervalMs * intervals);
  const used = process.cpuUsage(cpu);
  const elapsed = Date.now() - wall;
  const after = (await lateness.get()).values;
  const delta = (le: number | '+Inf'): number => countOf(after, le) - countOf(before, le);
  const checks = delta('+Inf');
  const bounds = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
  const memory = process.memoryUsage();
  const figures: Figures = {
    monitors,
    cpuSeconds: (used.user + used.system) / 1e6,
    elapsedSeconds: elapsed / 1000,
    rssMb: memory.rss / 2 ** 20,
    heapMb: memory.heapUsed / 2 ** 20,
    checks,
    p99LatenessAtMostS: bounds.find((le) => delta(le) >= 0.99 * checks) ?? Infinity,
    up: services.health.checker.list().filter((s) => s.tracker.state === 'up').length,
  };
  process.stdout.write(`${JSON.stringify(figures)}\n`);
  targets.kill();
  await app.close();
  await services.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
}

function child(
  kind: string,
  monitors: number,
  intervalMs: number,
  intervals: number,
): Promise<Figures | undefined> {
  const process_: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', SELF, kind, String(monitors), String(intervalMs), String(intervals)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  process_.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // A run that failed (on a loaded host the app's plugins can time out while 2,000 checks start) is
  // left out of the medians and said so, rather than ending the whole benchmark.
  return once(process_, 'exit').then(() => {
    try {
      return JSON.parse(output.trim().split('\n').at(-1) ?? '') as Figures;
    } catch {
      process.stdout.write('monitors_mixed: a run failed (see its error above); left out of the medians\n');
      return undefined;
    }
  });
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function benchMonitorsMixed(): Promise<void> {
  const monitors = Number(process.env.BENCH_MIXED_MONITORS ?? 2000);
  const intervalMs = Number(process.env.BENCH_MIXED_INTERVAL_MS ?? 20_000);
  const intervals = Number(process.env.BENCH_MIXED_INTERVALS ?? 2);
  const runs = Number(process.env.BENCH_MIXED_RUNS ?? 3);
  const results: Record<'mixed' | 'http', Figures[]> = { mixed: [], http: [] };
  for (let run = 0; run < runs; run++)
    for (const kind of ['http', 'mixed'] as const) {
      const figures = await child(kind, monitors, intervalMs, intervals);
      if (figures === undefined) continue;
      results[kind].push(figures);
      const perThousand = 1000 / figures.monitors;
      report(`monitors_${kind}_run${String(run + 1)}`, {
        monitors: figures.monitors,
        cpu_s_per_1000_per_interval:
          (figures.cpuSeconds / figures.elapsedSeconds) * (intervalMs / 1000) * perThousand,
        cpu_pct_of_one_core: (figures.cpuSeconds / figures.elapsedSeconds) * 100,
        rss_mb_per_1000: figures.rssMb * perThousand,
        rss_mb: figures.rssMb,
        checks_per_interval: (figures.checks / figures.elapsedSeconds) * (intervalMs / 1000),
        p99_lateness_at_most_s: figures.p99LatenessAtMostS,
        up: figures.up,
      });
    }
  const summary = (kind: 'mixed' | 'http') => {
    const list = results[kind];
    return {
      cpu: median(
        list.map((f) => (f.cpuSeconds / f.elapsedSeconds) * (intervalMs / 1000) * (1000 / f.monitors)),
      ),
      rss: median(list.map((f) => f.rssMb * (1000 / f.monitors))),
      p99: median(list.map((f) => f.p99LatenessAtMostS)),
      up: median(list.map((f) => f.up)),
    };
  };
  const mixed = summary('mixed');
  const http = summary('http');
  report('monitors_mixed_median', {
    runs,
    monitors,
    interval_s: intervalMs / 1000,
    mixed_cpu_s_per_1000_per_interval: mixed.cpu,
    http_cpu_s_per_1000_per_interval: http.cpu,
    cpu_ratio_mixed_vs_http: mixed.cpu / http.cpu,
    mixed_rss_mb_per_1000: mixed.rss,
    http_rss_mb_per_1000: http.rss,
    mixed_p99_lateness_at_most_s: mixed.p99,
    http_p99_lateness_at_most_s: http.p99,
    mixed_up: mixed.up,
    http_up: http.up,
  });
}

if (process.argv[1] === SELF) {
  const [kind, monitors, intervalMs, intervals] = process.argv.slice(2);
  await one(kind === 'http' ? 'http' : 'mixed', Number(monitors), Number(intervalMs), Number(intervals));
  process.exit(0);
}
