import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import type { ApplicationCollector } from './collectors/application/application-collector.js';
import { createCollectors } from './collectors/create-collectors.js';
import type { SystemCollector } from './collectors/system/system-collector.js';
import { IngestService } from './ingest/ingest-service.js';
import type { IngestLimits } from './ingest/limits.js';
import { QueryEngine } from './query/range-query.js';
import { createHealth, type Health } from './health/create-health.js';
import type { HealthEvents } from './health/health-events.js';
import type { HealthStore, MetricStore } from './storage/ports.js';
import { SqliteHealthStore } from './storage/sqlite/sqlite-health-store.js';
import { EventBus } from './support/event-bus.js';
import { openDatabase } from './storage/sqlite/open-database.js';
import { SqliteMetricStore } from './storage/sqlite/sqlite-metric-store.js';
import { PeriodicTask } from './support/periodic-task.js';
import { SeriesExposition } from './telemetry/exposition.js';
import { OwnMetrics, isReservedName } from './telemetry/own-metrics.js';
import { checkpoint } from './tsdb/checkpoint.js';
import { recover } from './tsdb/recovery.js';
import { SeriesRegistry } from './tsdb/registry.js';
import { Retention } from './tsdb/retention.js';
import { Tsdb } from './tsdb/tsdb.js';

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
  /** Core events (health changes now; alerts later) for alerting and realtime. */
  bus: EventBus<HealthEvents>;
  tasks: PeriodicTask[];
  startedAt: number;
  checkReady: () => Promise<Record<string, 'ok'>>;
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

function openStore(config: Readonly<Config>): { store: MetricStore; healthStore: HealthStore; kind: string } {
  if (config.databaseUrl !== undefined) {
    throw new Error(
      'DATABASE_URL (PostgreSQL, the scaled-out mode) is not available yet; unset it to use the embedded store',
    );
  }
  const file = join(config.dataDir, 'metrics.db');
  const db = openDatabase(file, config.storageSync);
  return { store: new SqliteMetricStore(db, file), healthStore: new SqliteHealthStore(db), kind: 'sqlite' };
}

export async function createServices(config: Readonly<Config>, log: Logger): Promise<Services> {
  const { store, healthStore, kind } = openStore(config);
  await store.migrate();
  const registry = new SeriesRegistry();
  const tsdb = new Tsdb(store);
  const recovered = await recover(tsdb, registry);
  log.info({ store: kind, ...recovered }, 'metric store recovered');

  const own = new OwnMetrics();
  const ingest = new IngestService({ registry, tsdb, limits: ingestLimits(config), isReservedName });
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
  const bus = new EventBus<HealthEvents>(log);
  const health = await createHealth({ config, store: healthStore, ingest, tsdb, registry, own, bus, log });
  const tasks = [checkpointTask, retentionTask, gaugesTask, ...collectors.tasks, ...health.tasks];
  for (const task of tasks) task.start();
  await gaugesTask.flush();
  await collectors.firstReading();
  health.checker.start();

  return {
    config,
    store,
    registry,
    tsdb,
    ingest,
    query: new QueryEngine(registry, tsdb, (seconds) => {
      application.storeQueries.observe('range', seconds);
    }),
    exposition: new SeriesExposition(registry),
    own,
    system,
    application,
    health,
    bus,
    tasks,
    startedAt: Date.now(),
    checkReady: async () => {
      await store.ping();
      return { store: 'ok' };
    },
    close: async () => {
      health.checker.stop();
      for (const task of tasks) await task.stop();
      await health.recorder.flush();
      application.stop();
      await checkpoint(tsdb);
      await store.close();
    },
  };
}
