import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ingestBenchBodies, load, processCpuSeconds } from './ingest.js';
import {
  minorFaults,
  startIngestTarget,
  statusMegabytes,
  stopIngestTarget,
  threadCpuSeconds,
  type IngestTarget,
} from './ingest-target.js';
import { remoteWriteSource, type BodySource } from './remote-write-bodies.js';
import { measure as measureRemoteWrite } from './remote-write.js';
import { BENCH_AUTH, median, report } from './support.js';
import { V1_HEADERS } from '../test/support/remote-write.js';

/**
 * The ingest bench's load on this checkout's service run with different node flags, all up at once:
 * `node --import tsx bench/ingest-flags.ts [--together] [--remote-write] <rounds> <seconds> '<flags>' …`,
 * e.g. `… 10 3 '' '--max-semi-space-size=32' '--single-threaded-gc'`. A service without flags is the
 * reference; an empty flag set ('') adds a second one, an A/A pair that shows the noise. Each round loads
 * every service in turn, the order rotated round by round, so all see the same minutes of the host's load;
 * with `--together`, each round loads them all at once (each its own 4 connections) over the same seconds.
 * With `--remote-write`, the load is the remote-write bench's (remote write 1.0, the same 10,000 series,
 * fresh timestamps in every body). Prints, per flag set: the server CPU µs per accepted sample (median of
 * the rounds), the median of the per-round ratios to the reference (the figure to quote), the main
 * thread's share (the rest: V8's GC and compiler threads, libuv's pool), minor page faults, and the
 * resident set: VmRSS after each round (median) and VmHWM (the most resident at any time) at the end.
 */
const ROOT = fileURLToPath(new URL('../', import.meta.url));
const SAMPLES_PER_REQUEST = 1000;

const OPTIONS = new Set(['--together', '--remote-write']);
const options: string[] = [];
for (const arg of process.argv.slice(2)) {
  if (!OPTIONS.has(arg)) break;
  options.push(arg);
}
const together = options.includes('--together');
const remoteWrite = options.includes('--remote-write');
const [roundsArg, secondsArg, ...flagSets] = process.argv.slice(2 + options.length);
if (flagSets.length === 0) {
  throw new Error(
    "usage: bench/ingest-flags.ts [--together] [--remote-write] <rounds> <seconds> '<flags>' ['<flags>' …]",
  );
}
const rounds = Number(roundsArg);
const seconds = Number(secondsArg);
const bodies = ingestBenchBodies();

/** Each target's remote-write bodies: a series' timestamps must only increase within a service. */
const remoteWriteSources = new Map<IngestTarget, BodySource>();

/** The ingest bench's load, or remote write's, for `seconds`: the requests accepted and the others. */
async function loadTarget(
  target: IngestTarget,
  seconds: number,
): Promise<{ accepted: number; non2xx: number }> {
  if (!remoteWrite) {
    const result = await load(target.url, bodies, seconds, BENCH_AUTH);
    return { accepted: result['2xx'], non2xx: result.non2xx };
  }
  let source = remoteWriteSources.get(target);
  if (source === undefined) remoteWriteSources.set(target, (source = remoteWriteSource()));
  const result = await measureRemoteWrite(
    target.url,
    '/api/v1/write',
    { ...V1_HEADERS, ...BENCH_AUTH },
    source,
    seconds,
  );
  return { accepted: Math.round((result.perS * seconds) / SAMPLES_PER_REQUEST), non2xx: result.non2xx };
}

/** One round's load on a target, and its figures for the round. */
async function measure(target: IngestTarget): Promise<void> {
  const pid = target.child.pid!;
  const before = processCpuSeconds(pid);
  const mainBefore = threadCpuSeconds(pid, pid);
  const faultsBefore = minorFaults(pid);
  const { accepted, non2xx } = await loadTarget(target, seconds);
  const used = processCpuSeconds(pid) - before;
  const mainUsed = threadCpuSeconds(pid, pid) - mainBefore;
  if (non2xx > 0) throw new Error(`${target.name}: ${String(non2xx)} answers not 2xx`);
  const samples = accepted * SAMPLES_PER_REQUEST;
  target.cpu.push((used * 1e6) / samples);
  target.mainCpu.push((mainUsed * 1e6) / samples);
  target.faults.push(((minorFaults(pid) - faultsBefore) * 1000) / samples);
  target.rss.push(statusMegabytes(pid, 'VmRSS'));
}

const targets: IngestTarget[] = [];
try {
  for (const [i, flags] of ['', ...flagSets].entries()) {
    const nodeFlags = flags.split(' ').filter((flag) => flag !== '');
    targets.push(
      await startIngestTarget(`${String(i)}: ${flags === '' ? '(none)' : flags}`, ROOT, nodeFlags),
    );
  }
  // The first pass creates the 10,000 series and lets V8 optimise; not counted.
  for (const target of targets) await loadTarget(target, 3);
  for (let round = 0; round < rounds; round++) {
    if (together) {
      await Promise.all(targets.map(measure));
    } else {
      const shift = round % targets.length;
      for (const target of [...targets.slice(shift), ...targets.slice(0, shift)]) await measure(target);
    }
  }
  const reference = targets[0]!;
  for (const target of targets) {
    const ratios = target.cpu.map((cpu, i) => cpu / reference.cpu[i]!);
    report(
      `${remoteWrite ? 'remote-write' : 'ingest'} flags ${target.name} (${String(rounds)} ${together ? 'simultaneous' : 'rotated'} rounds of ${String(seconds)} s)`,
      {
        server_cpu_us_per_sample: median(target.cpu),
        over_reference_cpu: median(ratios),
        main_thread_cpu_us_per_sample: median(target.mainCpu),
        minor_faults_per_1000_samples: median(target.faults),
        ratio_min: Math.min(...ratios),
        ratio_max: Math.max(...ratios),
        ratios: ratios.map((ratio) => ratio.toFixed(2)).join(','),
        vm_rss_mb: median(target.rss),
        vm_hwm_mb: statusMegabytes(target.child.pid!, 'VmHWM'),
      },
    );
  }
  report('ingest flags', {
    load_average: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join('/'),
  });
} finally {
  for (const target of targets) await stopIngestTarget(target);
}
