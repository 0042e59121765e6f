import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { report } from './support.js';

type Framework = 'express' | 'fastify';
type Variant = 'bare' | 'ours' | 'peer' | 'control';
const PEERS: Record<Framework, string> = { express: 'express-prom-bundle', fastify: 'fastify-metrics' };

interface Measure {
  reqPerS: number;
  /** Server CPU time per request, µs: the cost itself, whether or not the load generator kept up. */
  cpuMicrosPerReq: number;
}

async function serverCpu(child: ChildProcess): Promise<number> {
  child.send('usage');
  const [message] = (await once(child, 'message')) as [{ cpuMicros: number }];
  return message.cpuMicros;
}

/** One server variant in its own process, autocannon here. */
async function measure(framework: Framework, variant: Variant, seconds: number): Promise<Measure> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/middleware-server.ts', framework, variant],
    {
      stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    },
  );
  const stdout = child.stdout!;
  try {
    let output = '';
    stdout.setEncoding('utf8');
    while (!/listening \d+/.test(output)) {
      const [chunk] = (await once(stdout, 'data')) as [string];
      output += chunk;
    }
    const port = /listening (\d+)/.exec(output)![1]!;
    const url = `http://127.0.0.1:${port}`;
    // Warm the JIT, then measure; the paths vary so the route template (not the path) is what is counted.
    const requests = [{ path: '/hello/1' }, { path: '/hello/2' }, { path: '/hello/3' }];
    await autocannon({ url, connections: 16, pipelining: 10, duration: 2, requests });
    const cpuBefore = await serverCpu(child);
    const result = await autocannon({ url, connections: 16, pipelining: 10, duration: seconds, requests });
    const cpu = (await serverCpu(child)) - cpuBefore;
    return { reqPerS: result.requests.average, cpuMicrosPerReq: cpu / result.requests.total };
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

/**
 * Middleware overhead: a hello-world route with no instrumentation, with ours and with the usual peer,
 * each in its own process, interleaved over several rounds because a 2-core machine drifts. `control` is
 * bare again: how far two identical servers differ is the noise floor of every other figure. Reported:
 * the median requests/s of each, and the median server CPU time per request (the cost itself, robust to
 * the load generator competing for the same two cores).
 */
export async function benchMiddleware(
  seconds = Number(process.env.BENCH_MIDDLEWARE_SECONDS ?? 4),
  rounds = Number(process.env.BENCH_MIDDLEWARE_ROUNDS ?? 5),
): Promise<void> {
  const frameworks = (process.env.BENCH_FRAMEWORKS?.split(',') ?? ['fastify', 'express']) as Framework[];
  for (const framework of frameworks) {
    const variants: Variant[] = ['bare', 'ours', 'peer', 'control'];
    const rate: Record<Variant, number[]> = { bare: [], ours: [], peer: [], control: [] };
    const cpu: Record<Variant, number[]> = { bare: [], ours: [], peer: [], control: [] };
    for (let r = 0; r < rounds; r++) {
      for (const variant of variants) {
        const m = await measure(framework, variant, seconds);
        rate[variant].push(m.reqPerS);
        cpu[variant].push(m.cpuMicrosPerReq);
      }
    }
    const figures: Record<string, number | string> = {};
    const bareRate = median(rate.bare);
    const bareCpu = median(cpu.bare);
    for (const variant of variants) {
      const name = variant === 'peer' ? PEERS[framework] : variant;
      figures[`${name}_req_s`] = Math.round(median(rate[variant]));
      figures[`${name}_cpu_us_per_req`] = median(cpu[variant]);
      if (variant !== 'bare') {
        figures[`${name}_throughput_cost_pct`] = (1 - median(rate[variant]) / bareRate) * 100;
        figures[`${name}_cpu_cost_pct`] = (median(cpu[variant]) / bareCpu - 1) * 100;
      }
    }
    report(`middleware_${framework}`, { ...figures, target: 'ours <= 5 %' });
  }
}
