import { readFileSync, rmSync } from 'node:fs';
import { SystemReader } from '../src/collectors/system/system-reader.js';
import { benchServices, report } from './support.js';

interface RoundCost {
  cpuMs: number;
  /** Over rounds, of each round's longest stretch without the event loop turning (wall clock). */
  stall: Quantiles;
  /**
   * The same stretches less the time the main thread sat runnable in the kernel's run queue while
   * another task had the core (its schedstat): the stall the work itself caused, running or blocked
   * in a system call, without the host's preemption. Undefined where /proc/thread-self is missing.
   */
  ownStall: Quantiles | undefined;
}

interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

function quantiles(values: number[]): Quantiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: at(1) };
}

/** Milliseconds the calling thread has waited in the run queue since it started (Linux schedstat). */
function runQueueWaitMs(): number | undefined {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6;
  } catch {
    return undefined;
  }
}

/**
 * Runs `work` `rounds` times, 20 ms apart as collections are in service, while a setImmediate ping-pong
 * notes every gap between two turns of the event loop: the longest gap of a round is the stall that round
 * caused (the loop cannot turn while synchronous code runs). A timer-based delay monitor cannot tell
 * stalls under ~4 ms from this host's scheduling noise; the gaps can, and the idle control shows the noise.
 * Each gap is also measured less the run-queue wait inside it, which takes the host's preemption (one
 * read of /proc that took 2.6 ms instead of 0.02) out of the figure.
 */
async function costOf(rounds: number, work: () => Promise<unknown>): Promise<RoundCost> {
  const stalls: number[] = [];
  const ownStalls: number[] = [];
  let cpu = 0;
  for (let i = 0; i < rounds; i++) {
    let longest = 0;
    let longestOwn = 0;
    let last = performance.now();
    let lastWait = runQueueWaitMs();
    let spinning = true;
    const spin = (): void => {
      const now = performance.now();
      const wait = runQueueWaitMs();
      longest = Math.max(longest, now - last);
      if (wait !== undefined && lastWait !== undefined)
        longestOwn = Math.max(longestOwn, now - last - (wait - lastWait));
      last = now;
      lastWait = wait;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const started = process.cpuUsage();
    await work();
    const used = process.cpuUsage(started);
    await new Promise((resolve) => setImmediate(resolve));
    spinning = false;
    cpu += (used.user + used.system) / 1000;
    stalls.push(longest);
    if (lastWait !== undefined) ownStalls.push(longestOwn);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    cpuMs: cpu / rounds,
    stall: quantiles(stalls),
    ownStall: ownStalls.length === rounds ? quantiles(ownStalls) : undefined,
  };
}

function stallFigures(prefix: string, cost: RoundCost): Record<string, number | string> {
  const figures: Record<string, number | string> = {};
  for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
    figures[`${prefix}_stall_${q}_ms`] = cost.stall[q];
    figures[`${prefix}_own_stall_${q}_ms`] = cost.ownStall?.[q] ?? 'n/a';
  }
  return figures;
}

/**
 * Cost of one system collection (read /proc, compute rates, ingest ~50 samples durably) and of one
 * application collection, in CPU time and in the event-loop stall each causes. Controls in the same run:
 * a round with no work (the host's noise) and the bare reading of the /proc files.
 */
export async function benchCollectors(rounds = 200): Promise<void> {
  const { services, dir } = await benchServices();
  const reader = new SystemReader();
  await services.system.collect(); // baseline for rates
  const idle = await costOf(rounds, () => new Promise((resolve) => setTimeout(resolve, 3)));
  const readOnly = await costOf(rounds, () => reader.read());
  // The rules reading system metrics are evaluated in the turns after the collection: counted with it.
  const system = await costOf(rounds, async () => {
    await services.system.collect();
    await services.alerting.engine.settled();
  });
  const application = await costOf(rounds, () => services.application.collect());
  report('collectors', {
    system_cpu_ms_per_collection: system.cpuMs,
    ...stallFigures('system', system),
    ...stallFigures('idle', idle),
    proc_read_only_cpu_ms: readOnly.cpuMs,
    proc_read_only_stall_p95_ms: readOnly.stall.p95,
    ratio_vs_read_only: system.cpuMs / readOnly.cpuMs,
    series_per_collection: services.registry.families.size,
    application_cpu_ms_per_collection: application.cpuMs,
    ...stallFigures('application', application),
    target: 'stall < 5 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
