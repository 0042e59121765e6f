import autocannon from 'autocannon';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { listeningAt, report, tempDir } from './support.js';

type Framework = 'express' | 'fastify';
/** See bench/middleware-plain-server.mjs; `bare` twice is the control (the method's repeatability). */
const VARIANTS = ['bare', 'noop', 'http-only', 'ours', 'bare'] as const;
type Variant = (typeof VARIANTS)[number];
const run = promisify(execFile);

/**
 * Instructions a server process executes per request in its steady state, counted by valgrind's
 * callgrind over `requests` sequential requests after `warmup` others (the counters are zeroed and dumped
 * through callgrind_control around the window). Node runs with --single-threaded (the compiler and the
 * garbage collector work on the main thread, so their share is counted and does not depend on thread
 * timing) and --predictable-gc-schedule (heap growth and idle-time GC do not follow the clock, which
 * valgrind slows ~50×). One connection, one request at a time: what each request costs does not depend on
 * how requests happen to batch. The second `bare` run says how far two runs of one server agree.
 */
async function instructionsPerRequest(
  framework: Framework,
  variant: Variant,
  warmup: number,
  requests: number,
): Promise<number> {
  const dir = tempDir('callgrind');
  const child = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      `--callgrind-out-file=${join(dir, 'out')}`,
      process.execPath,
      '--single-threaded',
      '--predictable-gc-schedule',
      'bench/middleware-plain-server.mjs', // plain JS on dist/: no loader thread (npm run build first)
      framework,
      variant,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stderr.resume();
  try {
    const url = await listeningAt(child.stdout);
    const paths = [{ path: '/hello/1' }, { path: '/hello/2' }, { path: '/hello/3' }];
    await autocannon({ url, amount: warmup, connections: 1, requests: paths });
    await run('callgrind_control', ['--zero', String(child.pid)]);
    await autocannon({ url, amount: requests, connections: 1, requests: paths });
    await run('callgrind_control', ['--dump', String(child.pid)]);
    const dump = readdirSync(dir).find((name) => /^out\.\d+$/.test(name));
    const summary =
      dump === undefined ? undefined : /^summary: (\d+)$/m.exec(readFileSync(join(dir, dump), 'utf8'));
    if (summary === undefined || summary === null) throw new Error('callgrind wrote no dump');
    return Number(summary[1]) / requests;
  } finally {
    child.kill('SIGKILL');
    await once(child, 'exit');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The share of the bare server's CPU time spent in user space (natively, /proc/<pid>/stat) under the same
 * sequential load: callgrind counts user-space instructions only, so its percentages are of the user part
 * and overstate the cost of a request as a whole, whose system calls a middleware does not change.
 */
async function userShare(framework: Framework, requests: number): Promise<number> {
  const child = spawn(process.execPath, ['bench/middleware-plain-server.mjs', framework, 'bare'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    const url = `${await listeningAt(child.stdout)}/hello/1`;
    await autocannon({ url, amount: requests, connections: 1 });
    const ticks = (): [number, number] => {
      const fields = readFileSync(`/proc/${String(child.pid)}/stat`, 'utf8')
        .split(') ')[1]!
        .split(' ');
      return [Number(fields[11]), Number(fields[12])]; // utime, stime
    };
    const [user0, system0] = ticks();
    await autocannon({ url, amount: requests, connections: 1 });
    const [user1, system1] = ticks();
    return (user1 - user0) / (user1 - user0 + system1 - system0);
  } finally {
    child.kill();
    await once(child, 'exit');
  }
}

/**
 * The middleware's cost per request in executed instructions: immune to the host's noise, which moves
 * the throughput benchmark's figures by ±15 % from one second to the next and by 3–8 % between two
 * processes of the same server (see docs/benchmarks.md). Two servers run at a time (valgrind uses one
 * core each; the count does not depend on timing). `noop` is the floor any middleware pays; `ours` adds
 * prom-client's default process metrics, whose event-loop monitor and GC observer cost per unit of time,
 * which valgrind's ~50× slowdown stretches: `http-only` is the per-request figure.
 */
export async function benchMiddlewareInstructions(warmup = 8000, requests = 4000): Promise<void> {
  if (spawnSync('sh', ['-c', 'command -v valgrind callgrind_control']).status !== 0) {
    process.stdout.write('middleware-instructions: valgrind not found: apt-get install valgrind\n');
    process.exitCode = 1;
    return;
  }
  const frameworks = (process.env.BENCH_FRAMEWORKS?.split(',') ?? ['express', 'fastify']) as Framework[];
  for (const framework of frameworks) {
    const counts: number[] = [];
    for (let i = 0; i < VARIANTS.length; i += 2) {
      const pair = VARIANTS.slice(i, i + 2).map((variant) =>
        instructionsPerRequest(framework, variant, warmup, requests),
      );
      counts.push(...(await Promise.all(pair)));
    }
    const [bare, noop, httpOnly, ours, bareAgain] = counts as [number, number, number, number, number];
    const cost = (count: number): number => (count / bare - 1) * 100;
    const share = await userShare(framework, requests);
    report(`middleware_instructions_${framework}`, {
      warmup,
      requests,
      bare_instructions_per_request: Math.round(bare),
      control_bare_again_pct: cost(bareAgain),
      noop_middleware_cost_pct: cost(noop),
      ours_http_only_cost_pct: cost(httpOnly),
      ours_with_default_metrics_cost_pct: cost(ours),
      bare_user_space_share_of_cpu: share,
      ours_http_only_share_of_request_cpu_pct: cost(httpOnly) * share,
      target: 'ours <= 5 %',
    });
  }
}
