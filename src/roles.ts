import type { PeriodicTask } from './support/periodic-task.js';

/**
 * What a process of the service does, in one place. `standalone` is the single process of the embedded
 * mode: everything. In the scaled-out mode one replica is `primary` (the lease holder: the one writer of
 * metric data, so it alone folds heads into chunks, enforces retention and evaluates alerts) and the others
 * are `follower`s (none of those; they serve reads, forward writes, and share the work that is claimed per
 * item: health checks spread across replicas, outbox rows claimed one by one; their own samples, from
 * their collectors and checks, go to the primary through the sample forwarder). DATABASE_URL starts a
 * replica as `follower`; the `primary` lease switches it (src/cluster/primary-election.ts, ADR 0020).
 */
export const ROLES = ['standalone', 'primary', 'follower'] as const;
export type ServiceRole = (typeof ROLES)[number];

export interface Duties {
  /** Folds heads into chunks and truncates the write-ahead log: the metric data's one writer. */
  checkpoints: boolean;
  /** Deletes what is older than its TTL (metrics, health history, resolved alerts, audit log): once. */
  retention: boolean;
  /** Evaluates alert rules and owns alert state: one owner at a time. */
  alertEvaluation: boolean;
  /** Runs health checks and records their samples (spread across replicas when scaled out). */
  healthChecks: boolean;
  /** Delivers notifications from the outbox (each row claimed by one replica). */
  notifications: boolean;
  /** Collects this process's own system and application series (per replica, with an `instance`). */
  collectors: boolean;
  /** Refreshes the store's own gauges (series held, bytes on disk). */
  storeGauges: boolean;
}

export const ROLE_DUTIES: Readonly<Record<ServiceRole, Readonly<Duties>>> = {
  standalone: {
    checkpoints: true,
    retention: true,
    alertEvaluation: true,
    healthChecks: true,
    notifications: true,
    collectors: true,
    storeGauges: true,
  },
  primary: {
    checkpoints: true,
    retention: true,
    alertEvaluation: true,
    healthChecks: true,
    notifications: true,
    collectors: true,
    storeGauges: true,
  },
  follower: {
    checkpoints: false,
    retention: false,
    alertEvaluation: false,
    healthChecks: true,
    notifications: true,
    // Their series (labelled with this replica's `instance`) are forwarded to the primary, the one
    // writer, in process (src/cluster/sample-forwarder.ts, ADR 0026).
    collectors: true,
    storeGauges: true,
  },
};

/** Every background loop by name, and the duty it belongs to: a loop not listed here refuses to start. */
const LOOP_DUTIES: Readonly<Record<string, keyof Duties>> = {
  checkpoint: 'checkpoints',
  retention: 'retention',
  'health-retention': 'retention',
  'alert-retention': 'retention',
  'audit-retention': 'retention',
  'alert-evaluation': 'alertEvaluation',
  // Prometheus rule groups: alerting rules and record rules (which write series) have one owner too.
  'prometheus-rule-groups': 'alertEvaluation',
  'health-recorder': 'healthChecks',
  // TLS monitors' expiry notices follow the checks that read the certificates (issue 20).
  'tls-expiry-notices': 'healthChecks',
  'system-collector': 'collectors',
  'application-collector': 'collectors',
  'store-gauges': 'storeGauges',
};

/** The loops a role runs, out of all the service built. Throws for a loop nobody classified. */
export function loopsOf(role: ServiceRole, tasks: readonly PeriodicTask[]): PeriodicTask[] {
  const duties = ROLE_DUTIES[role];
  return tasks.filter((task) => {
    const duty = LOOP_DUTIES[task.name];
    if (duty === undefined) throw new Error(`background loop "${task.name}" has no duty in src/roles.ts`);
    return duties[duty];
  });
}
