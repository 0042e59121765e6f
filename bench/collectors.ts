import { rmSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { SystemReader } from '../src/collectors/system/system-reader.js';
import { benchServices, report } from './support.js';

/**
 * Cost of one system collection (read /proc, compute rates, ingest ~50 samples durably) and of one
 * application collection, in CPU time and in event-loop delay (p99 and longest) while they run, 20 ms
 * apart; baseline: the bare reading of the /proc files in the same run.
 */
export async function benchCollectors(rounds = 100): Promise<void> {
  const { services, dir } = await benchServices();
  const reader = new SystemReader();
  const cpuOf = async (
    work: () => Promise<unknown>,
  ): Promise<{ cpuMs: number; stallMs: number; p99Ms: number }> => {
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    const started = process.cpuUsage();
    for (let i = 0; i < rounds; i++) {
      await work();
      await new Promise((resolve) => setTimeout(resolve, 20)); // spaced, as collections are in service
    }
    const used = process.cpuUsage(started);
    delay.disable();
    return {
      cpuMs: (used.user + used.system) / 1000 / rounds,
      stallMs: delay.max / 1e6,
      p99Ms: delay.percentile(99) / 1e6,
    };
  };
  await services.system.collect(); // baseline for rates
  const readOnly = await cpuOf(() => reader.read());
  const system = await cpuOf(() => services.system.collect());
  const application = await cpuOf(() => services.application.collect());
  report('collectors', {
    system_cpu_ms_per_collection: system.cpuMs,
    system_max_stall_ms: system.stallMs,
    system_p99_delay_ms: system.p99Ms,
    proc_read_only_cpu_ms: readOnly.cpuMs,
    ratio_vs_read_only: system.cpuMs / readOnly.cpuMs,
    series_per_collection: services.registry.families.size,
    application_cpu_ms_per_collection: application.cpuMs,
    application_max_stall_ms: application.stallMs,
    target: 'stall < 5 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
