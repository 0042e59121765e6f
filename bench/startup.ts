import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { freePort } from '../test/support/child-service.js';
import { report, tempDir } from './support.js';

/**
 * Process start → first `GET /ready` answered 200, for `node dist/main.js` (the bundle) on an empty DATA_DIR (the first
 * start: schema, JWT key and the admin user created), against two baselines started the same way in the
 * same run, turns interleaved so load on the host weighs on all alike:
 * - `bare`: `node -e` of a minimal Fastify server answering /ready, the floor of any Node/Fastify service;
 * - `eager`: the service, not bundled, with the optional modules it now loads lazily (ioredis, nodemailer,
 *   the OpenTelemetry SDK) imported before it, i.e. the start before they became lazy;
 * - `unbundled`: the service from dist/serve.js, its modules loaded one by one (before
 *   scripts/bundle-server.mjs).
 * Wall-clock times and the child's CPU time up to that answer (user + system of all its threads, from
 * /proc/<pid>/stat), medians over `runs`. `npm run build` first (dist/).
 */
const EAGER = [
  'ioredis',
  'nodemailer',
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/core',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/resources',
  '@opentelemetry/sdk-trace-node',
];
const BARE = `import Fastify from 'fastify';
const app = Fastify();
app.get('/ready', async () => ({ status: 'ready' }));
await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT) });`;

type Variant = 'bare' | 'service' | 'eager' | 'unbundled';
const ARGS: Record<Variant, string[]> = {
  bare: ['--input-type=module', '-e', BARE],
  service: ['dist/main.js'],
  eager: [...EAGER.flatMap((m) => ['--import', m]), 'dist/serve.js'],
  unbundled: ['--input-type=module', '-e', "await import('./dist/serve.js')"],
};
const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** utime + stime of a live process, in seconds (fields 14 and 15 of /proc/<pid>/stat). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

async function ready(url: string): Promise<boolean> {
  try {
    const response = await fetch(url);
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

async function startOnce(variant: Variant): Promise<{ wallMs: number; cpuS: number }> {
  const dataDir = tempDir('startup');
  const port = await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, ARGS[variant], {
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const url = `http://127.0.0.1:${String(port)}/ready`;
    while (!(await ready(url))) {
      if (child.exitCode !== null) throw new Error(`${variant} exited with ${String(child.exitCode)}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const wallMs = performance.now() - started;
    return { wallMs, cpuS: cpuSeconds(child.pid!) };
  } finally {
    child.kill('SIGKILL');
    if (child.exitCode === null) await once(child, 'exit');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function benchStartup(runs = 7): Promise<void> {
  if (!existsSync('dist/main.js')) throw new Error('dist/main.js is missing: npm run build first');
  const results: Record<Variant, { wallMs: number[]; cpuS: number[] }> = {
    bare: { wallMs: [], cpuS: [] },
    service: { wallMs: [], cpuS: [] },
    eager: { wallMs: [], cpuS: [] },
    unbundled: { wallMs: [], cpuS: [] },
  };
  await startOnce('service'); // the first start of a build warms the OS page cache and compile caches
  for (let i = 0; i < runs; i++)
    for (const variant of ['bare', 'service', 'eager', 'unbundled'] as const) {
      const { wallMs, cpuS } = await startOnce(variant);
      results[variant].wallMs.push(wallMs);
      results[variant].cpuS.push(cpuS);
    }
  const wall = (v: Variant): number => median(results[v].wallMs);
  const cpu = (v: Variant): number => median(results[v].cpuS);
  report('startup', {
    node: process.version,
    runs,
    service_ready_ms: wall('service'),
    service_cpu_s: cpu('service'),
    bare_fastify_ready_ms: wall('bare'),
    bare_fastify_cpu_s: cpu('bare'),
    eager_imports_ready_ms: wall('eager'),
    eager_imports_cpu_s: cpu('eager'),
    service_vs_bare_cpu: cpu('service') / cpu('bare'),
    unbundled_ready_ms: wall('unbundled'),
    unbundled_cpu_s: cpu('unbundled'),
    service_vs_unbundled_cpu: cpu('service') / cpu('unbundled'),
    service_vs_eager_cpu: cpu('service') / cpu('eager'),
    target: 'service_ready_ms <= 1000',
  });
}
