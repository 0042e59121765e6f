import { readFileSync } from 'node:fs';

export interface RoundCost {
  cpuMs: number;
  /** Over rounds, of each round's wall-clock time from the start of the work to its end. */
  wall: Quantiles;
  /** Over rounds, of each round's longest stretch without the event loop turning (wall clock). */
  stall: Quantiles;
  /**
   * The same stretches less the time the main thread sat runnable in the kernel's run queue while
   * another task had the core (its schedstat): the stall the work itself caused, running or blocked
   * in a system call, without the host's preemption. Undefined where /proc/thread-self is missing.
   */
  ownStall: Quantiles | undefined;
}

export interface Quantiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function quantiles(values: number[]): Quantiles {
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
 * read of /proc that took 2.6 ms instead of 0.02) out of the figure. `prepare`, when given, runs before
 * each round, outside what is measured.
 */
export async function costOf(
  rounds: number,
  work: () => Promise<unknown>,
  prepare?: () => Promise<unknown>,
): Promise<RoundCost> {
  const stalls: number[] = [];
  const ownStalls: number[] = [];
  const walls: number[] = [];
  let cpu = 0;
  for (let i = 0; i < rounds; i++) {
    if (prepare !== undefined) await prepare();
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
    const startedAt = performance.now();
    await work();
    walls.push(performance.now() - startedAt);
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
    wall: quantiles(walls),
    stall: quantiles(stalls),
    ownStall: ownStalls.length === rounds ? quantiles(ownStalls) : undefined,
  };
}

export function stallFigures(prefix: string, cost: RoundCost): Record<string, number | string> {
  const figures: Record<string, number | string> = {};
  for (const q of ['p50', 'p95', 'p99', 'max'] as const) {
    figures[`${prefix}_stall_${q}_ms`] = cost.stall[q];
    figures[`${prefix}_own_stall_${q}_ms`] = cost.ownStall?.[q] ?? 'n/a';
  }
  return figures;
}
