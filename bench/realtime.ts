import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { startChildService } from '../test/support/child-service.js';
import { ADMIN_AUTH, TEST_ADMIN_TOKEN } from '../test/support/test-app.js';
import { report } from './support.js';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resident memory (bytes) and CPU time (ms) of a process, from /proc. */
function usage(pid: number): { rss: number; cpuMs: number } {
  const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024;
  const fields = readFileSync(`/proc/${String(pid)}/stat`, 'utf8')
    .split(') ')[1]!
    .split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime, in clock ticks (100 Hz)
  return { rss, cpuMs: ticks * 10 };
}

interface Target {
  url: string;
  pid: number;
  /** Makes the server emit one alert to everyone; resolves when the trigger request is answered. */
  trigger: (i: number) => Promise<void>;
  stop: () => Promise<void>;
}

/** The service itself: a rule, and samples that cross it (each crossing fires, the next clears it). */
async function ourService(): Promise<Target> {
  const dataDir = mkdtempSync(join(tmpdir(), 'metrics-bench-realtime-'));
  const child = await startChildService({
    DATA_DIR: dataDir,
    WEBSOCKET_BROADCAST_INTERVAL: '1000',
    SYSTEM_COLLECT_INTERVAL: '1000',
  });
  const post = (path: string, body: unknown): Promise<Response> =>
    fetch(`${child.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
      body: JSON.stringify(body),
    });
  await post('/api/alerts/rules', { name: 'Realtime bench', metricName: 'rt_bench', threshold: 0.5 });
  return {
    url: child.url,
    pid: child.child.pid!,
    trigger: async (i) => {
      await post('/api/metrics/custom', { name: 'rt_bench', value: i % 2 === 0 ? 1 : 0 });
    },
    stop: async () => {
      child.child.kill('SIGTERM');
      await child.exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Baseline: a bare socket.io server that emits `alert` to everyone when asked over HTTP. */
async function bareSocketIo(): Promise<Target> {
  const child = spawn(
    process.execPath,
    [
      '-e',
      `const http = require('node:http');
       const { Server } = require('socket.io');
       const server = http.createServer((req, res) => {
         io.emit('alert', { transition: 'fired', alert: { id: String(Date.now()) } });
         res.end('ok');
       });
       const io = new Server(server);
       io.on('connection', (s) => s.on('subscribe', (r, ack) => ack && ack({ ok: true })));
       server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));`,
    ],
    { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
  const url = `http://127.0.0.1:${chunk.toString().trim()}`;
  return {
    url,
    pid: child.pid!,
    trigger: async () => {
      await fetch(`${url}/`, { method: 'POST' });
    },
    stop: async () => {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

interface Result {
  p50: number;
  p99: number;
  max: number;
  kbPerClient: number;
  cpuPct: number;
  delivered: number;
  expected: number;
}

/** `clients` sockets subscribed to system, then `alerts` alerts: lag from the trigger to each client. */
async function measure(target: Target, clients: number, alerts: number): Promise<Result> {
  await sleep(1000);
  const before = usage(target.pid);
  const sockets: Socket[] = [];
  const lags: number[] = [];
  let started = 0;
  let expectFired = true;
  for (let i = 0; i < clients; i++) {
    const socket = io(target.url, {
      transports: ['websocket'],
      forceNew: true,
      auth: { token: TEST_ADMIN_TOKEN },
    });
    socket.on('alert', (push: { transition: string }) => {
      if (push.transition === 'fired' || !expectFired) lags.push(performance.now() - started);
    });
    sockets.push(socket);
    await socket.emitWithAck('subscribe', { type: 'system' });
  }
  await sleep(2000);
  const connected = usage(target.pid);
  const cpuStart = connected.cpuMs;
  const wallStart = performance.now();
  for (let i = 0; i < alerts * 2; i++) {
    expectFired = i % 2 === 0;
    const count = lags.length;
    started = performance.now();
    await target.trigger(i);
    if (expectFired) {
      const deadline = Date.now() + 5000;
      while (lags.length < count + clients && Date.now() < deadline) await sleep(5);
    } else await sleep(50); // the resolution (not measured)
    if (!expectFired) lags.length = count;
  }
  const after = usage(target.pid);
  const wall = performance.now() - wallStart;
  for (const socket of sockets) socket.close();
  lags.sort((a, b) => a - b);
  const at = (q: number): number => lags[Math.min(lags.length - 1, Math.floor(q * lags.length))] ?? NaN;
  return {
    p50: at(0.5),
    p99: at(0.99),
    max: lags.at(-1) ?? NaN,
    kbPerClient: (connected.rss - before.rss) / clients / 1024,
    cpuPct: ((after.cpuMs - cpuStart) / wall) * 100,
    delivered: lags.length,
    expected: clients * alerts,
  };
}

/**
 * 1,000 socket.io clients (websocket transport) subscribed to `system` on loopback, then alerts: the lag
 * from the sample's POST to each client's `alert` event, the service's memory per client and CPU; the
 * same clients against a bare socket.io server emitting the same event, in the same run.
 */
export async function benchRealtime(clients = 1000, alerts = 20): Promise<void> {
  const ours = await ourService();
  const ourResult = await measure(ours, clients, alerts);
  await ours.stop();
  const bare = await bareSocketIo();
  const bareResult = await measure(bare, clients, alerts);
  await bare.stop();
  report('realtime', {
    clients,
    alerts,
    delivered: `${String(ourResult.delivered)}/${String(ourResult.expected)}`,
    alert_lag_p50_ms: ourResult.p50,
    alert_lag_p99_ms: ourResult.p99,
    alert_lag_max_ms: ourResult.max,
    kb_per_client: ourResult.kbPerClient,
    cpu_pct_during_alerts: ourResult.cpuPct,
    bare_socketio_lag_p50_ms: bareResult.p50,
    bare_socketio_lag_p99_ms: bareResult.p99,
    bare_socketio_kb_per_client: bareResult.kbPerClient,
    p99_ratio_vs_bare: ourResult.p99 / bareResult.p99,
    target: 'p99 <= 50 ms, <= 50 KB per client',
  });
}
