import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Config } from './config/config.js';
import { SystemCollector } from './collectors/system/system-collector.js';
import { SystemReader } from './collectors/system/system-reader.js';
import { IngestService } from './ingest/ingest-service.js';
import type { IngestLimits } from './ingest/limits.js';
import { QueryEngine } from './query/range-query.js';
import type { MetricStore } from './storage/ports.js';
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

function openStore(config: Readonly<Config>): { store: MetricStore; kind: string } {
  if (config.databaseUrl !== undefined) {
    throw new Error(
      'DATABASE_URL (PostgreSQL, the scaled-out mode) is not available yet; unset it to use the embedded store',
    );
  }
  const file = join(config.dataDir, 'metrics.db');
  return { store: new SqliteMetricStore(openDatabase(file, config.storageSync), file), kind: 'sqlite' };
}

export async function createServices(config: Readonly<Config>, log: Logger): Promise<Services> {
  const { store, kind } = openStore(config);
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
  const system = new SystemCollector(
    new SystemReader(config.systemProcPath),
    async (samples) => {
      const { rejected } = await ingest.ingest(samples, 'system');
      if (rejected.length > 0) log.warn({ rejected: rejected.slice(0, 5) }, 'system samples refused');
    },
    log,
  );
  const tasks = [checkpointTask, retentionTask, gaugesTask];
  if (config.systemCollectIntervalMs > 0) {
    tasks.push(
      new PeriodicTask(
        'system-collector',
        config.systemCollectIntervalMs,
        () => system.collect().then(() => undefined),
        log,
      ),
    );
  }
  for (const task of tasks) task.start();
  await gaugesTask.flush();
  // A first reading now, so the first tick already has a baseline for CPU usage and I/O rates.
  if (config.systemCollectIntervalMs > 0) await tasks[tasks.length - 1]!.flush();

  return {
    config,
    store,
    registry,
    tsdb,
    ingest,
    query: new QueryEngine(registry, tsdb),
    exposition: new SeriesExposition(registry),
    own,
    system,
    tasks,
    startedAt: Date.now(),
    checkReady: async () => {
      await store.ping();
      return { store: 'ok' };
    },
    close: async () => {
      for (const task of tasks) await task.stop();
      await checkpoint(tsdb);
      await store.close();
    },
  };
}
