import { rmSync } from 'node:fs';
import { SystemReader } from '../src/collectors/system/system-reader.js';
import { benchServices, report } from './support.js';

interface RoundCost {
  cpuMs: number;
  /** Over rounds, of each round's longest stretch without the event loop turning. */
  stallP50Ms: number;
  stallP95Ms: number;
  stallP99Ms: number;
  stallMaxMs: number;
}

/**
 * Runs `work` `rounds` times, 20 ms apart as collections are in service, while a setImmediate ping-pong
 * notes every gap between two turns of the event loop: the longest gap of a round is the stall that round
 * caused (the loop cannot turn while synchronous code runs). A timer-based delay monitor cannot tell
 * stalls under ~4 ms from this host's scheduling noise; the gaps can, and the idle control shows the noise.
 */
async function costOf(rounds: number, work: () => Promise<unknown>): Promise<RoundCost> {
  const stalls: number[] = [];
  let cpu = 0;
  for (let i = 0; i < rounds; i++) {
    let longest = 0;
    let last = performance.now();
    let spinning = true;
    const spin = (): void => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
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
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  stalls.sort((a, b) => a - b);
  const at = (q: number): number => stalls[Math.min(stalls.length - 1, Math.floor(q * stalls.length))] ?? 0;
  return {
    cpuMs: cpu / rounds,
    stallP50Ms: at(0.5),
    stallP95Ms: at(0.95),
    stallP99Ms: at(0.99),
    stallMaxMs: at(1),
  };
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
  const system = await costOf(rounds, () => services.system.collect());
  const application = await costOf(rounds, () => services.application.collect());
  report('collectors', {
    system_cpu_ms_per_collection: system.cpuMs,
    system_stall_p50_ms: system.stallP50Ms,
    system_stall_p95_ms: system.stallP95Ms,
    system_stall_p99_ms: system.stallP99Ms,
    system_stall_max_ms: system.stallMaxMs,
    idle_stall_p50_ms: idle.stallP50Ms,
    idle_stall_p95_ms: idle.stallP95Ms,
    idle_stall_p99_ms: idle.stallP99Ms,
    idle_stall_max_ms: idle.stallMaxMs,
    proc_read_only_cpu_ms: readOnly.cpuMs,
    proc_read_only_stall_p95_ms: readOnly.stallP95Ms,
    ratio_vs_read_only: system.cpuMs / readOnly.cpuMs,
    series_per_collection: services.registry.families.size,
    application_cpu_ms_per_collection: application.cpuMs,
    application_stall_p95_ms: application.stallP95Ms,
    application_stall_max_ms: application.stallMaxMs,
    target: 'stall < 5 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
