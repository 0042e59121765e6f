import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { listeningAt, report } from './support.js';

type Framework = 'express' | 'fastify';
/**
 * `noop`: an empty middleware (Express) or onRequest hook (Fastify), the floor any middleware pays;
 * `http-only`: ours without prom-client's default process metrics (their GC observer costs per GC).
 */
type Variant = 'bare' | 'ours' | 'peer' | 'control' | 'noop' | 'http-only';
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
  try {
    const url = await listeningAt(child.stdout!);
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
 * each in its own process. This machine drifts by tens of per cent over minutes, so each variant is
 * compared with a bare server measured right next to it: every round runs bare, then each variant
 * followed by bare again (the order reversed every other round), and the figure is the median over
 * rounds of variant / its neighbouring bare runs. `control` is bare against bare: the noise floor.
 * Two figures per variant: requests/s lost, and server CPU time per request added (the cost itself,
 * robust to the load generator competing for the same two cores).
 */
export async function benchMiddleware(
  seconds = Number(process.env.BENCH_MIDDLEWARE_SECONDS ?? 4),
  rounds = Number(process.env.BENCH_MIDDLEWARE_ROUNDS ?? 5),
): Promise<void> {
  const frameworks = (process.env.BENCH_FRAMEWORKS?.split(',') ?? ['fastify', 'express']) as Framework[];
  for (const framework of frameworks) {
    const variants = (process.env.BENCH_VARIANTS?.split(',') ?? ['ours', 'peer', 'control']) as Variant[];
    const rateCost = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    const cpuCost = new Map<Variant, number[]>(variants.map((v) => [v, []]));
    const bareRates: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      let before = await measure(framework, 'bare', seconds);
      bareRates.push(before.reqPerS);
      for (const variant of order) {
        const m = await measure(framework, variant, seconds);
        const after = await measure(framework, 'bare', seconds);
        const bareRate = (before.reqPerS + after.reqPerS) / 2;
        const bareCpu = (before.cpuMicrosPerReq + after.cpuMicrosPerReq) / 2;
        rateCost.get(variant)!.push((1 - m.reqPerS / bareRate) * 100);
        cpuCost.get(variant)!.push((m.cpuMicrosPerReq / bareCpu - 1) * 100);
        before = after;
      }
    }
    const figures: Record<string, number | string> = { bare_req_s: Math.round(median(bareRates)) };
    for (const variant of variants) {
      const name = variant === 'peer' ? PEERS[framework] : variant;
      figures[`${name}_throughput_cost_pct`] = median(rateCost.get(variant)!);
      figures[`${name}_cpu_cost_pct`] = median(cpuCost.get(variant)!);
    }
    report(`middleware_${framework}`, { ...figures, target: 'ours <= 5 %' });
  }
}
