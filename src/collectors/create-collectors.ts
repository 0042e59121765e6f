import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { MetricCategory } from '../domain/metric.js';
import type { SampleSink } from '../cluster/sample-routing.js';
import type { IngestSample } from '../ingest/sample-schema.js';
import { PeriodicTask } from '../support/periodic-task.js';
import { replicaIdOf } from '../cluster/replica-id.js';
import { ApplicationCollector } from './application/application-collector.js';
import { HttpRecorder } from '@metrics-service/client';
import { SystemCollector } from './system/system-collector.js';
import { SystemReader } from './system/system-reader.js';

export interface Collectors {
  system: SystemCollector;
  application: ApplicationCollector;
  /** Their loops, per SYSTEM_COLLECT_INTERVAL and APPLICATION_COLLECT_INTERVAL (0 turns one off). */
  tasks: PeriodicTask[];
  /** Reads the system once, so the first tick already has a baseline for CPU usage and I/O rates. */
  firstReading: () => Promise<void>;
}

/**
 * The system and application collectors, writing through the ingest path like any client (on a
 * follower: through the forwarder to the primary, ADR 0026).
 */
export function createCollectors(config: Readonly<Config>, ingest: SampleSink, log: Logger): Collectors {
  // Each replica's own machine and traffic: its series carry `instance` so replicas never overwrite each
  // other's (and the embedded mode's series keep their labels).
  const instance = replicaIdOf(config);
  const labelled = (samples: IngestSample[]): IngestSample[] =>
    instance === undefined ? samples : samples.map((s) => ({ ...s, labels: { ...s.labels, instance } }));
  const sink =
    (category: MetricCategory) =>
    async (samples: IngestSample[]): Promise<void> => {
      const { rejected } = await ingest.ingest(labelled(samples), category);
      if (rejected.length > 0)
        log.warn({ category, rejected: rejected.slice(0, 5) }, 'collector samples refused');
    };
  const system = new SystemCollector(new SystemReader(config.systemProcPath), sink('system'), log);
  // The service's own traffic: status classes, not codes, and a cap well above its route count.
  const application = new ApplicationCollector(
    new HttpRecorder({ statusCodes: 'class', maxSeries: 1000 }),
    sink('application'),
  );
  const systemTask = new PeriodicTask(
    'system-collector',
    config.systemCollectIntervalMs,
    () => system.collect().then(() => undefined),
    log,
  );
  const applicationTask = new PeriodicTask(
    'application-collector',
    config.applicationCollectIntervalMs,
    () => application.collect(),
    log,
  );
  const tasks: PeriodicTask[] = [];
  if (config.systemCollectIntervalMs > 0) tasks.push(systemTask);
  if (config.applicationCollectIntervalMs > 0) {
    application.start();
    tasks.push(applicationTask);
  }
  return {
    system,
    application,
    tasks,
    firstReading: () => (config.systemCollectIntervalMs > 0 ? systemTask.flush() : Promise.resolve()),
  };
}
