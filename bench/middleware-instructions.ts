import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { report, tempDir } from './support.js';

type Framework = 'express' | 'fastify';

/**
 * Instructions executed by one server process (valgrind's callgrind counts them, whatever else the
 * machine does), after `requests` requests: the same server with 0 requests gives the start-up to
 * subtract.
 */
async function instructions(framework: Framework, variant: string, requests: number): Promise<number> {
  const dir = tempDir('callgrind');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'out')}`,
      process.execPath,
      'bench/middleware-plain-server.mjs', // plain JS on dist/: no loader thread counted (npm run build first)
      framework,
      variant,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let stdout = '';
  for (;;) {
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    stdout += chunk.toString();
    if (/listening \d+/.test(stdout)) break;
  }
  const port = Number(/listening (\d+)/.exec(stdout)![1]);
  if (requests > 0)
    await autocannon({ url: `http://127.0.0.1:${String(port)}/hello/1`, amount: requests, connections: 4 });
  child.kill('SIGINT');
  await once(child, 'exit');
  rmSync(dir, { recursive: true, force: true });
  const refs = /I\s+refs:\s+([\d,]+)/.exec(stderr)?.[1];
  if (refs === undefined) throw new Error(`callgrind printed no count:\n${stderr.slice(-500)}`);
  return Number(refs.replaceAll(',', ''));
}

/**
 * The middleware's cost per request in executed instructions, bare framework against ours, each as
 * (instructions after N requests − instructions of start-up alone) / N. Immune to the host's CPU noise
 * that makes the throughput benchmark's figures move by ±10 %; valgrind makes it slow (minutes).
 * `http-only` is the request recording alone; `ours` adds prom-client's default process metrics, whose
 * event-loop monitor and GC observer cost per unit of time, not per request: valgrind's 50× slowdown
 * stretches 2,000 requests over a minute, so that part is overstated here.
 */
export async function benchMiddlewareInstructions(requests = 2000): Promise<void> {
  const frameworks = (process.env.BENCH_FRAMEWORKS?.split(',') ?? ['express', 'fastify']) as Framework[];
  for (const framework of frameworks) {
    const perRequest = async (variant: string): Promise<number> =>
      ((await instructions(framework, variant, requests)) - (await instructions(framework, variant, 0))) /
      requests;
    const bare = await perRequest('bare');
    const httpOnly = await perRequest('http-only');
    const ours = await perRequest('ours');
    report(`middleware_instructions_${framework}`, {
      requests,
      bare_instructions_per_request: Math.round(bare),
      http_only_cost_pct: (httpOnly / bare - 1) * 100,
      with_default_metrics_cost_pct: (ours / bare - 1) * 100,
      target: 'ours <= 5 %',
    });
  }
}
