import { fileURLToPath } from 'node:url';
import type * as Driver from './stage-ab-driver.js';
import type { Checkout } from './stage-ab-driver.js';
import { ingestBenchBodies } from './ingest.js';
import { median, report } from './support.js';

/**
 * The batch route's per-item loop and the staging of an ingest request, of two checkouts in one process
 * (no HTTP, no Fastify): `node --import tsx bench/stage-ab.ts <other checkout> [rounds=10] [passes=20]`.
 * Each checkout's own services (bench/support.ts's benchServices: SQLite store, default limits) first
 * ingest the ingest bench's ten bodies (10,000 series); then rounds alternate between the two (A B, then
 * B A, …), each staging every body `passes` times, parsed afresh as the route gets it, the appender rolled
 * back instead of committed (nothing kept, so rounds stay alike). Prints the CPU µs per sample of the
 * route loop and staging (JSON.parse excluded; its own cost on the side) per checkout, the per-round
 * ratios this/other and their median. The place of a checkout (BENCH_THIS_FIRST) moved A/A runs by up to
 * 0.8-1.2 on a loaded host: quote a run each way.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const [other, roundsArg, passesArg] = process.argv.slice(2);
if (other === undefined) throw new Error('usage: bench/stage-ab.ts <other checkout> [rounds] [passes]');
const rounds = Number(roundsArg ?? 10);
const passes = Number(passesArg ?? 20);
const bodies = ingestBenchBodies();
const SAMPLES = 1000;

function parseOnly(): number {
  const before = process.cpuUsage();
  let n = 0;
  for (let pass = 0; pass < passes; pass++) {
    for (const body of bodies) n += (JSON.parse(body) as { metrics: unknown[] }).metrics.length;
  }
  const used = process.cpuUsage(before);
  return (used.user + used.system) / n;
}

// BENCH_THIS_FIRST=1 puts this checkout first.
const thisFirst = process.env.BENCH_THIS_FIRST === '1';
const checkouts = thisFirst
  ? [await load('this', ROOT), await load('other', other)]
  : [await load('other', other), await load('this', ROOT)];

/**
 * Each checkout through its own instance of the driver module (a query string makes another instance):
 * closures of one function literal share V8's feedback and optimised code, which would make one call site
 * call into both checkouts.
 */
async function load(name: string, root: string): Promise<Checkout> {
  const driver = (await import(`./stage-ab-driver.ts?${name}`)) as typeof Driver;
  return driver.load(name, root);
}
const parse: number[] = [];
try {
  // Creates the 10,000 series and lets V8 optimise; not counted.
  for (const c of checkouts)
    for (let pass = 0; pass < 5; pass++) for (const body of bodies) await c.batch(body);
  for (let round = 0; round < rounds; round++) {
    parse.push(parseOnly());
    for (const c of round % 2 === 0 ? checkouts : [...checkouts].reverse()) {
      let used = 0;
      for (let pass = 0; pass < passes; pass++) for (const body of bodies) used += await c.stage(body);
      c.cpu.push(used / (passes * bodies.length * SAMPLES));
    }
  }
  const [a, b] = (thisFirst ? [...checkouts].reverse() : checkouts) as [Checkout, Checkout];
  report(`stage A/B in process (${String(rounds)} alternated rounds of ${String(passes)} passes)`, {
    this_first: String(thisFirst),
    parse_cpu_us_per_sample: median(parse),
    other_cpu_us_per_sample: median(a.cpu),
    this_cpu_us_per_sample: median(b.cpu),
    rounds: b.cpu.map((cpu, i) => (cpu / a.cpu[i]!).toFixed(3)).join(','),
    this_over_other: median(b.cpu.map((cpu, i) => cpu / a.cpu[i]!)),
  });
} finally {
  for (const c of checkouts) await c.close();
}
