import { rmSync } from 'node:fs';
import { SystemReader } from '../src/collectors/system/system-reader.js';
import { costOf, stallFigures } from './event-loop-stall.js';
import { benchServices, report } from './support.js';

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
    series_per_collection: services.reader.familyCount,
    application_cpu_ms_per_collection: application.cpuMs,
    ...stallFigures('application', application),
    target: 'stall < 5 ms',
  });
  await services.close();
  rmSync(dir, { recursive: true, force: true });
}
