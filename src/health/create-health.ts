import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { SampleSink } from '../cluster/sample-routing.js';
import { EgressGuard } from '../security/egress-guard.js';
import type { HealthStore } from '../storage/ports.js';
import type { EventBus } from '../support/event-bus.js';
import { PeriodicTask } from '../support/periodic-task.js';
import type { OwnMetrics } from '../telemetry/own-metrics.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { CheckRecorder } from './check-recorder.js';
import { HealthChecker } from './health-checker.js';
import type { HealthEvents } from './health-events.js';
import { HeartbeatLog } from './heartbeats.js';
import { HOUR_MS } from './rollup.js';
import { loadServicesFile } from './services-file.js';
import { PROBE_SERIES_NAMES } from './probes/probe-series.js';
import { PushHeartbeats } from './push-heartbeats.js';

/** Families the recorder writes, labelled by service (dropped with the service). */
const HEALTH_FAMILIES = [
  'probe_success',
  'probe_duration_seconds',
  'probe_http_status_code',
  'probe_ssl_earliest_cert_expiry',
  'health_service_last_change_timestamp_seconds',
  ...PROBE_SERIES_NAMES,
];
const RETENTION_SLICE = 500;

export interface Health {
  checker: HealthChecker;
  recorder: CheckRecorder;
  store: HealthStore;
  guard: EgressGuard;
  tasks: PeriodicTask[];
  /** The last checks of each service (the dashboard's heartbeat bars). */
  heartbeats: HeartbeatLog;
  /** Push monitors' heartbeats (GET/POST /api/push/<token>). */
  pushHeartbeats: PushHeartbeats;
}

interface HealthDeps {
  config: Readonly<Config>;
  store: HealthStore;
  /** Where check samples go: the ingest path, or on a follower the forwarder (ADR 0026). */
  ingest: SampleSink;
  tsdb: Tsdb;
  own: OwnMetrics;
  bus: EventBus<HealthEvents>;
  log: Logger;
  /** Scaled-out mode: whether this replica checks a service on schedule (src/cluster). */
  isAssigned?: ((service: string) => boolean) | undefined;
}

/** The health checker with its recorder, its services (stored and from the file) and its loops. */
export async function createHealth(deps: HealthDeps): Promise<Health> {
  const { config, store, ingest, tsdb, own, bus, log } = deps;
  const guard = new EgressGuard(config.egressAllowlist);
  const recorder = new CheckRecorder(ingest, store);
  const heartbeats = new HeartbeatLog(store);
  const pushHeartbeats = new PushHeartbeats(
    store,
    (name) => {
      const service = checker.find(name);
      if (service?.definition.type !== 'push') return undefined;
      const { interval, monitor } = service.definition;
      return {
        serviceId: service.id,
        createdAt: service.createdAt,
        deadlineMs: interval + monitor.pushGraceMs,
        checkedHere: checker.checksHere(name),
      };
    },
    (name) => {
      checker.checkNow(name).catch((error: unknown) => {
        log.warn({ err: error, service: name }, 'push monitor deadline check failed');
      });
    },
  );
  const checker: HealthChecker = new HealthChecker({
    heartbeats: pushHeartbeats,
    store,
    guard,
    defaults: {
      interval: config.healthDefaultIntervalMs,
      timeout: config.healthDefaultTimeoutMs,
      retries: config.healthDefaultRetries,
    },
    recorder,
    bus,
    log,
    maxServices: config.healthMaxServices,
    ...(deps.isAssigned === undefined ? {} : { isAssigned: deps.isAssigned }),
    concurrency: config.healthConcurrency,
    onLateness: (ms) => {
      own.healthCheckLateness.observe(ms / 1000);
    },
    dropSeries: (service) => tsdb.deleteLabelSets(HEALTH_FAMILIES, (labels) => labels.service === service),
  });
  await checker.load(
    config.healthServicesFile === undefined ? [] : await loadServicesFile(config.healthServicesFile),
  );
  own.healthServices.set(checker.list().length);

  const flushTask = new PeriodicTask(
    'health-recorder',
    1000,
    async () => {
      const refused = await recorder.flush();
      if (refused > 0) log.warn({ refused }, 'health check samples refused by the store');
      own.healthServices.set(checker.list().length);
    },
    log,
  );
  const retentionTask = new PeriodicTask(
    'health-retention',
    3_600_000,
    async () => {
      const ids = checker.list().map((s) => s.id);
      const now = Date.now();
      // Events (state changes) and roll-ups age apart: a year of uptime needs the small hourly rows only.
      const eventCutoff = now - config.healthChecksTtlSeconds * 1000;
      const rollupCutoff = Math.floor((now - config.healthRollupRetentionSeconds * 1000) / HOUR_MS);
      for (let i = 0; i < ids.length; i += RETENTION_SLICE) {
        const slice = ids.slice(i, i + RETENTION_SLICE);
        await store.deleteEventsBefore(slice, eventCutoff);
        await store.deleteRollupsBefore(slice, rollupCutoff);
      }
    },
    log,
  );
  return { checker, recorder, store, guard, tasks: [flushTask, retentionTask], heartbeats, pushHeartbeats };
}
