import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SERVICE_NODE_FLAGS } from '../test/support/child-service.js';
import { ingestBenchBodies, load, processCpuSeconds } from './ingest.js';
import { startIngestTarget, stopIngestTarget, type IngestTarget } from './ingest-target.js';
import { BENCH_AUTH, median, report } from './support.js';

/**
 * The ingest bench's load on two checkouts at once, for a before/after on a shared, loaded host:
 * `node --import tsx bench/ingest-ab.ts <other checkout> [rounds=10] [seconds=3]` starts the service of
 * the other checkout (a `git archive` copy with a node_modules link) and of this one, both up for the
 * whole run, and alternates the load between them (A B, then B A, …), so both see the same minutes of the
 * host's load. Prints each one's server CPU µs per accepted sample (median of the rounds) and the median
 * of the per-round ratios this/other, the figure to quote. Each service first takes
 * BENCH_INGEST_WARMUP_SECONDS (20) of load, as the ingest bench does: V8's compiler threads stay busy
 * for about that long (a 3 s first pass left them in the first rounds).
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SAMPLES_PER_REQUEST = 1000;

const [other, roundsArg, secondsArg] = process.argv.slice(2);
if (other === undefined) throw new Error('usage: bench/ingest-ab.ts <other checkout> [rounds] [seconds]');
const rounds = Number(roundsArg ?? 10);
const seconds = Number(secondsArg ?? 3);
const bodies = ingestBenchBodies();
// Both run as production does (SERVICE_NODE_FLAGS), so the comparison is of the code alone.
const targets = [
  await startIngestTarget('other', other, SERVICE_NODE_FLAGS),
  await startIngestTarget('this', ROOT, SERVICE_NODE_FLAGS),
];
try {
  // The first pass creates the 10,000 series and lets V8 optimise; not counted.
  const warmUp = Number(process.env.BENCH_INGEST_WARMUP_SECONDS ?? 20);
  for (const target of targets) await load(target.url, bodies, warmUp, BENCH_AUTH);
  for (let round = 0; round < rounds; round++) {
    for (const target of round % 2 === 0 ? targets : [...targets].reverse()) {
      const before = processCpuSeconds(target.child.pid!);
      const result = await load(target.url, bodies, seconds, BENCH_AUTH);
      const used = processCpuSeconds(target.child.pid!) - before;
      if (result.non2xx > 0) throw new Error(`${target.root}: ${String(result.non2xx)} answers not 2xx`);
      target.cpu.push((used * 1e6) / (result['2xx'] * SAMPLES_PER_REQUEST));
    }
  }
  const [a, b] = targets as [IngestTarget, IngestTarget];
  report(`ingest A/B (${String(rounds)} alternated rounds of ${String(seconds)} s)`, {
    other_server_cpu_us_per_sample: median(a.cpu),
    this_server_cpu_us_per_sample: median(b.cpu),
    this_over_other_cpu: median(b.cpu.map((cpu, i) => cpu / a.cpu[i]!)),
    load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/'),
  });
} finally {
  for (const target of targets) await stopIngestTarget(target);
}
