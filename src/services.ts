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
import {
  publishingAlertStore,
  publishingHealthStore,
  subscribeReloads,
} from './cluster/cache-invalidation.js';
import { createCluster, type Cluster } from './cluster/create-cluster.js';
import { createAlerting, type Alerting } from './alerting/create-alerting.js';
import { ingestRecordWriter } from './alerting/prom-rules/record-writer.js';
import { createServiceEngine } from './promql/service-engine.js';
import type { PromqlEngineApi } from './promql/api.js';
import { createHealth, type Health } from './health/create-health.js';
import { tlsExpiryNoticeTask } from './health/tls-notice-task.js';
import type { HealthEvents } from './health/health-events.js';
import type { MetricStore } from './storage/ports.js';
import { openStores } from './storage/open-stores.js';
import { StatusBook } from './status/status-book.js';
import { pingRedis } from './storage/redis/redis-ping.js';
import { EventBus } from './support/event-bus.js';
import { PeriodicTask } from './support/periodic-task.js';
import { SeriesExposition } from './telemetry/exposition.js';
import { OwnMetrics, isReservedName } from './telemetry/own-metrics.js';
import { acceptedFamilyNames, type IngestEvents } from './ingest/ingest-events.js';
import { Gauge } from 'prom-client';
import { loopsOf, ROLE_DUTIES, ROLES, type ServiceRole } from './roles.js';
import type { TsdbReader } from './tsdb/read-port.js';
import { Tsdb } from './tsdb/tsdb.js';
import { isReplicatedWal } from './tsdb/replication-port.js';
import { PrimaryElection } from './cluster/primary-election.js';
import { PrimaryLocator } from './cluster/primary-locator.js';
import { reloadConsistently } from './cluster/wal-tailer.js';
import { createFollowerSamples, type FollowerSamples } from './cluster/follower-samples.js';

export type CoreEvents = HealthEvents & AlertEvents & AuthEvents & IngestEvents;

/** Everything the HTTP layer and the background loops share; built once by createServices. */
export interface Services {
  config: Readonly<Config>;
  /** What this process does (src/roles.ts): `standalone` in the embedded mode. */
  role: ServiceRole;
  store: MetricStore;
  /** The TSDB's read port: what every reader of metric data uses. */
  reader: TsdbReader;
  /** The TSDB itself: its write side (appender, checkpoint, retention) is for ingest and the loops. */
  tsdb: Tsdb;
  ingest: IngestService;
  query: QueryEngine;
  exposition: SeriesExposition;
  own: OwnMetrics;
  system: SystemCollector;
  application: ApplicationCollector;
  health: Health;
  alerting: Alerting;
  /** The PromQL engine over the TSDB's read port: rules, /api/v1 and the dashboard share this one. */
  promql: PromqlEngineApi;
  /** Public status pages, incidents and maintenance windows (issue 19). */
  status: StatusBook;
  auth: Auth;
  /** Scaled-out parts (Redis, membership); inert in the embedded mode. */
  cluster: Cluster;
  /** Core events (health and alert changes) for alerting and realtime. */
  bus: EventBus<CoreEvents>;
  /** The loops this role runs (started). */
  tasks: PeriodicTask[];
  /** Scaled out: where this follower's writes go (ADR 0020); undefined in the embedded mode. */
  primaryLocator: PrimaryLocator | undefined;
  /** Scaled out: this replica's own samples' way to the primary and the cluster key (ADR 0026). */
  followerSamples: FollowerSamples | undefined;
  startedAt: number;
  /** Each dependency `ok` (throws naming those that are not), and scaled out this replica's `role`. */
  checkReady: () => Promise<Record<string, string>>;
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

/**
 * Builds everything in dependency order (store → TSDB → ingest → collectors, health → query → alerting →
 * auth), each part given what it uses and nothing more; parts that react to another's events subscribe on
 * the bus. Then starts the loops the role runs (src/roles.ts).
 */
export async function createServices(
  config: Readonly<Config>,
  log: Logger,
  role: ServiceRole = 'standalone',
): Promise<Services> {
  // Migrations ran once, in openStores.
  const stores = await openStores(config);
  const { store, authStore, statusStore, secondFactorStore, kind } = stores;
  // One PostgreSQL pool per replica: the cluster's lease and membership use the stores' (DATABASE_URL).
  const cluster = await createCluster(config, log, stores.database);
  // Scaled out (ADR 0020): one primary writes metric data under a lease, followers tail its log.
  const replicated = cluster.pool !== undefined && isReplicatedWal(store) ? store : undefined;
  let currentRole: ServiceRole = replicated === undefined ? role : 'follower';
  const duties = (): Readonly<(typeof ROLE_DUTIES)[ServiceRole]> => ROLE_DUTIES[currentRole];
  // Edits tell the other replicas (a no-op feed in the embedded mode).
  const healthStore = publishingHealthStore(stores.healthStore, cluster.feed);
  const alertStore = publishingAlertStore(stores.alertStore, cluster.feed);
  const tsdb = new Tsdb(store, { truncateOneCheckpointLate: replicated !== undefined });
  // A replica recovers under the primary's checkpoints and truncations: bracketed by the horizon.
  const recovered =
    replicated === undefined ? await tsdb.recover() : await reloadConsistently(tsdb, replicated);
  log.info({ store: kind, role: currentRole, ...recovered }, 'metric store recovered');
  const reader = tsdb.reader;

  const own = new OwnMetrics();
  own.headSamplesSource = () => tsdb.headSamples;
  const bus = new EventBus<CoreEvents>(log);
  const ingest = new IngestService({
    tsdb,
    limits: ingestLimits(config),
    isReservedName,
    onAccepted: (accepted) => {
      bus.emit('samples.accepted', acceptedFamilyNames(accepted));
    },
  });
  const retention = tsdb.retention(config.metricsTtlSeconds * 1000);

  const checkpointTask = new PeriodicTask(
    'checkpoint',
    config.checkpointIntervalMs,
    async () => {
      const end = own.checkpointSeconds.startTimer();
      const result = await tsdb.checkpoint();
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
      own.activeSeries.set(reader.activeSeries);
      own.families.set(reader.familyCount);
      own.storageBytes.set((await store.stats()).bytesOnDisk);
    },
    log,
  );
  const primaryLocator =
    cluster.pool === undefined
      ? undefined
      : new PrimaryLocator(cluster.pool, 'primary', Math.max(100, Math.floor(config.clusterLeaseTtlMs / 10)));
  // Scaled out, this replica's own samples (collectors, its share of the checks) go to the primary while
  // it follows (ADR 0026); the embedded mode writes them straight to the ingest path, as before.
  const followerSamples =
    replicated === undefined || primaryLocator === undefined
      ? undefined
      : await createFollowerSamples({
          config,
          metaStore: authStore,
          cluster,
          locator: primaryLocator,
          ingest,
          registry: own.registry,
          log,
        });
  followerSamples?.sink.forward();
  const ownSamples = followerSamples?.sink ?? ingest;
  const collectors = createCollectors(config, ownSamples, log);
  const { system, application } = collectors;
  const health = await createHealth({
    config,
    store: healthStore,
    ingest: ownSamples,
    tsdb,
    own,
    bus,
    log,
    isAssigned: cluster.isAssigned,
  });
  const query = new QueryEngine(reader, (seconds) => {
    application.storeQueries.observe('range', seconds);
  });
  const promql = createServiceEngine(config, { reader });
  const alerting = await createAlerting({
    config,
    promql,
    store: alertStore,
    query,
    reader,
    guard: health.guard,
    bus,
    log,
    writeRecords: ingestRecordWriter(ingest),
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
  const auth = await createAuth({
    config,
    store: authStore,
    secondFactorStore,
    bus,
    log,
    loginAttempts: cluster.loginAttempts,
  });
  const stopReloads = subscribeReloads(cluster.feed, {
    rules: alerting.rules,
    channels: alerting.channels,
    silences: alerting.silences,
    alertStore,
    checker: health.checker,
    log,
  });
  // Rules are evaluated as their samples arrive and as watched services change state (by their owner).
  bus.on('samples.accepted', (names) => {
    if (duties().alertEvaluation) alerting.engine.samplesArrived(names);
  });
  bus.on('health.changed', () => {
    if (duties().alertEvaluation) alerting.engine.healthChanged();
  });
  const tlsNoticeTask = tlsExpiryNoticeTask({ config, health, alerting, alertStore, log });
  const allTasks = [
    tlsNoticeTask,
    checkpointTask,
    retentionTask,
    gaugesTask,
    ...collectors.tasks,
    ...health.tasks,
    ...alerting.tasks,
    ...auth.tasks,
  ];
  // metrics_service_role{role} is 1 for the role this process plays now, 0 for the others.
  const roleGauge = new Gauge({
    name: 'metrics_service_role',
    help: 'The role this process plays: standalone, primary (the metric data writer) or follower.',
    labelNames: ['role'] as const,
    registers: [own.registry],
  });
  const showRole = (shown: ServiceRole): void => {
    for (const r of ROLES) roleGauge.set({ role: r }, r === shown ? 1 : 0);
  };
  showRole(currentRole);
  let tasks = loopsOf(currentRole, allTasks);
  for (const task of tasks) task.start();
  if (duties().storeGauges) await gaugesTask.flush();
  if (duties().collectors) await collectors.firstReading();
  if (duties().healthChecks) health.checker.start();
  if (duties().notifications) alerting.outbox.start();

  /**
   * Starts the loops `next` runs and stops those it does not, each loop at most once at a time (a
   * stopped loop has finished its tick). Called by the election, one switch after another.
   */
  const switchRole = async (next: ServiceRole): Promise<void> => {
    const wanted = loopsOf(next, allTasks);
    for (const task of tasks) if (!wanted.includes(task)) await task.stop();
    if (!ROLE_DUTIES[next].alertEvaluation) await alerting.engine.settled();
    // The new owner of alert state starts from what its predecessor stored (it fired those already).
    else if (!ROLE_DUTIES[currentRole].alertEvaluation) {
      await alerting.ruleGroups.syncStored(); // groups put through another replica (ADR 0027)
      await alerting.engine.reload();
    }
    currentRole = next;
    for (const task of wanted) if (!tasks.includes(task)) task.start();
    tasks = wanted;
    showRole(next);
    // The writer writes its own samples itself (what it queued as a follower first); a follower forwards.
    if (next === 'follower') followerSamples?.sink.forward();
    else await followerSamples?.sink.writeLocally();
  };
  const election =
    replicated === undefined || cluster.pool === undefined
      ? undefined
      : new PrimaryElection({
          pool: cluster.pool,
          incarnation: cluster.incarnation,
          ttlMs: config.clusterLeaseTtlMs,
          connectLock: cluster.connectSession,
          lockPollMs: config.clusterLockPollMs,
          store: replicated,
          tsdb,
          switchRole,
          log,
        });
  await election?.start();

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
    get role() {
      return currentRole;
    },
    primaryLocator,
    followerSamples,
    store,
    reader,
    tsdb,
    ingest,
    query,
    exposition: new SeriesExposition(reader, { sliceMs: config.expositionSliceMs }),
    own,
    system,
    application,
    health,
    alerting,
    promql,
    status,
    auth,
    cluster,
    bus,
    get tasks() {
      return tasks;
    },
    startedAt: Date.now(),
    dependencies,
    checkReady: async () => {
      const states = await dependencies();
      const failed = Object.entries(states).filter(([, state]) => state.startsWith('error'));
      if (failed.length > 0) throw new Error(failed.map(([name, state]) => `${name}: ${state}`).join('; '));
      const ok = Object.fromEntries(Object.entries(states).filter(([, s]) => s === 'ok'));
      // Scaled out, readiness also says which role this replica plays (ADR 0020).
      return replicated === undefined ? ok : { ...ok, role: currentRole };
    },
    close: async () => {
      stopReloads();
      health.checker.stop();
      for (const task of allTasks) await task.stop();
      await health.recorder.flush().catch(() => undefined);
      // A follower's last samples go to the primary if it answers now; the forwarder does not wait longer.
      await followerSamples?.forwarder.flush();
      await followerSamples?.forwarder.stop();
      await alerting.engine.settled();
      await alerting.outbox.stop();
      application.stop();
      // The writer folds memory into chunks (a shorter replay at the next start); a follower's is a copy.
      // Before the lease is handed over: the checkpoint is fenced by it.
      if (duties().checkpoints)
        await tsdb.checkpoint().catch((error: unknown) => {
          log.warn({ err: error }, 'last checkpoint failed');
        });
      await election?.stop();
      await cluster.close();
      await store.close();
    },
  };
}
