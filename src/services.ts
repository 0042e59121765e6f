import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { ApplicationCollector } from './collectors/application/application-collector.js';
import { createCollectors } from './collectors/create-collectors.js';
import type { SystemCollector } from './collectors/system/system-collector.js';
import { IngestService } from './ingest/ingest-service.js';
import type { IngestLimits } from './ingest/limits.js';
import { QueryEngine } from './query/range-query.js';
import type { AlertEvents } from './alerting/alert-events.js';
import type { AuthEvents } from './auth/auth-events.js';
import { createAuth, type Auth } from './auth/create-auth.js';
import { createAlerting, type Alerting } from './alerting/create-alerting.js';
import { createHealth, type Health } from './health/create-health.js';
import type { HealthEvents } from './health/health-events.js';
import type { MetricStore } from './storage/ports.js';
import { openStores } from './storage/open-stores.js';
import { StatusBook } from './status/status-book.js';
import { pingRedis } from './storage/redis/redis-ping.js';
import { EventBus } from './support/event-bus.js';
import { PeriodicTask } from './support/periodic-task.js';
import { SeriesExposition } from './telemetry/exposition.js';
import { OwnMetrics, isReservedName } from './telemetry/own-metrics.js';
import { checkpoint } from './tsdb/checkpoint.js';
import { recover } from './tsdb/recovery.js';
import { SeriesRegistry } from './tsdb/registry.js';
import { Retention } from './tsdb/retention.js';
import { Tsdb } from './tsdb/tsdb.js';

export type CoreEvents = HealthEvents & AlertEvents & AuthEvents;

/** Everything the HTTP layer and the background loops share; built once by createServices. */
export interface Services {
  config: Readonly<Config>;
  store: MetricStore;
  registry: SeriesRegistry;
  tsdb: Tsdb;
  ingest: IngestService;
  query: QueryEngine;
  exposition: SeriesExposition;
  own: OwnMetrics;
  system: SystemCollector;
  application: ApplicationCollector;
  health: Health;
  alerting: Alerting;
  /** Public status pages, incidents and maintenance windows (issue 19). */
  status: StatusBook;
  auth: Auth;
  /** Core events (health and alert changes) for alerting and realtime. */
  bus: EventBus<CoreEvents>;
  tasks: PeriodicTask[];
  startedAt: number;
  checkReady: () => Promise<Record<string, 'ok'>>;
  /** Each dependency's state, never throwing (GET /api/health). */
  dependencies: () => Promise<Record<string, string>>;
  /** Stops the loops, folds memory into chunks, closes the store. */
  close: () => Promise<void>;
}

export function ingestLimits(config: Readonly<Config>): IngestLimits {
  return {
    maxLabelsPerSeries: config.maxLabelsPerSeries,
    maxLabelNameLength: config.maxLabelNameLength,
    maxLabelValueLength: config.maxLabelValueLength,
    maxSeriesPerMetric: config.maxSeriesPerMetric,
    maxActiveSeries: config.maxActiveSeries,
    maxBatchSamples: config.maxBatchSamples,
    retentionMs: config.metricsTtlSeconds * 1000,
    maxFutureMs: config.maxFutureSkewSeconds * 1000,
  };
}

export async function createServices(config: Readonly<Config>, log: Logger): Promise<Services> {
  const { store, healthStore, alertStore, authStore, statusStore, kind } = openStores(config);
  await store.migrate();
  const registry = new SeriesRegistry();
  const tsdb = new Tsdb(store);
  const recovered = await recover(tsdb, registry);
  log.info({ store: kind, ...recovered }, 'metric store recovered');

  const own = new OwnMetrics();
  // Rules are evaluated as their samples arrive; the engine exists once everything it reads does.
  const metricListeners: ((names: ReadonlySet<string>) => void)[] = [];
  const ingest = new IngestService({
    registry,
    tsdb,
    limits: ingestLimits(config),
    isReservedName,
    onAccepted: (accepted) => {
      const names = new Set(accepted.map((a) => a.set.family.def.name));
      for (const listener of metricListeners) listener(names);
    },
  });
  const retention = new Retention(tsdb, registry, config.metricsTtlSeconds * 1000);

  const checkpointTask = new PeriodicTask(
    'checkpoint',
    config.checkpointIntervalMs,
    async () => {
      const end = own.checkpointSeconds.startTimer();
      const result = await checkpoint(tsdb);
      end();
      log.debug(result, 'checkpoint');
    },
    log,
  );
  const retentionTask = new PeriodicTask(
    'retention',
    60_000,
    async () => {
      const result = await retention.run();
      if (result.chunks > 0 || result.sets > 0) log.info(result, 'retention removed expired data');
    },
    log,
  );
  const gaugesTask = new PeriodicTask(
    'store-gauges',
    15_000,
    async () => {
      own.activeSeries.set(registry.activeSeries);
      own.families.set(registry.families.size);
      own.storageBytes.set((await store.stats()).bytesOnDisk);
    },
    log,
  );
  const collectors = createCollectors(config, ingest, log);
  const { system, application } = collectors;
  const bus = new EventBus<CoreEvents>(log);
  const health = await createHealth({ config, store: healthStore, ingest, tsdb, registry, own, bus, log });
  const query = new QueryEngine(registry, tsdb, (seconds) => {
    application.storeQueries.observe('range', seconds);
  });
  const alerting = await createAlerting({
    config,
    store: alertStore,
    query,
    registry,
    guard: health.guard,
    bus,
    log,
    healthStates: () =>
      health.checker.list().map((s) => ({
        service: s.definition.name,
        state: s.tracker.state,
        reason: s.reason?.code,
      })),
  });
  // Maintenance windows of status pages keep their services' alerts quiet (recorded, marked silenced).
  const status = new StatusBook(statusStore);
  await status.load();
  alerting.silences.addSource((labels, now) => status.coveringMaintenance(labels, now));
  const auth = await createAuth({ config, store: authStore, bus, log });
  metricListeners.push((names) => {
    alerting.engine.samplesArrived(names);
  });
  bus.on('health.changed', () => {
    alerting.engine.healthChanged();
  });
  const tasks = [
    checkpointTask,
    retentionTask,
    gaugesTask,
    ...collectors.tasks,
    ...health.tasks,
    ...alerting.tasks,
    ...auth.tasks,
  ];
  for (const task of tasks) task.start();
  await gaugesTask.flush();
  await collectors.firstReading();
  health.checker.start();
  alerting.outbox.start();

  /** The store and Redis (when REDIS_URL is set), each `ok`, `error: <why>` or `not_configured`. */
  const dependencies = async (): Promise<Record<string, string>> => {
    const check = async (probe: () => Promise<void>): Promise<string> => {
      try {
        await probe();
        return 'ok';
      } catch (error) {
        return `error: ${(error as Error).message}`;
      }
    };
    const redisUrl = config.redisUrl;
    return {
      store: await check(() => store.ping()),
      redis: redisUrl === undefined ? 'not_configured' : await check(() => pingRedis(redisUrl)),
    };
  };

  return {
    config,
    store,
    registry,
    tsdb,
    ingest,
    query,
    exposition: new SeriesExposition(registry, { sliceMs: config.expositionSliceMs }),
    own,
    system,
    application,
    health,
    alerting,
    status,
    auth,
    bus,
    tasks,
    startedAt: Date.now(),
    dependencies,
    checkReady: async () => {
      const states = await dependencies();
      const failed = Object.entries(states).filter(([, state]) => state.startsWith('error'));
      if (failed.length > 0) throw new Error(failed.map(([name, state]) => `${name}: ${state}`).join('; '));
      return Object.fromEntries(Object.entries(states).filter(([, s]) => s === 'ok')) as Record<string, 'ok'>;
    },
    close: async () => {
      health.checker.stop();
      for (const task of tasks) await task.stop();
      await health.recorder.flush();
      await alerting.engine.settled();
      await alerting.outbox.stop();
      application.stop();
      await checkpoint(tsdb);
      await store.close();
    },
  };
}
