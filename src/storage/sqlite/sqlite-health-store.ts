import type Database from 'better-sqlite3';
import { decodeCounts, encodeCounts } from '../codec/varint-counts.js';
import type {
  HealthFlush,
  HealthRollup,
  HealthStore,
  StoredHealthEvent,
  StoredHealthService,
  StoredHealthState,
  StoredHeartbeat,
  StoredPushBeat,
} from '../ports.js';
import { SqliteHeartbeats } from './sqlite-heartbeats.js';

const HOUR_MS = 3_600_000;
/** How long an applied flush id is remembered: far longer than any retry of an unacknowledged flush. */
const FLUSH_IDS_KEPT_MS = 86_400_000;

interface RollupRow {
  service_id: number;
  hour: number;
  checks: number;
  up: number;
  degraded: number;
  duration_sum: number;
  duration_max: number;
  buckets: Uint8Array;
}

interface EventRow {
  service_id: number;
  at: number;
  state: string;
  previous: string;
  reason_code: string | null;
  reason: string | null;
}

const toRollup = (r: RollupRow): HealthRollup => ({
  serviceId: r.service_id,
  hour: r.hour,
  checks: r.checks,
  up: r.up,
  degraded: r.degraded,
  durationSumMs: r.duration_sum,
  durationMaxMs: r.duration_max,
  buckets: decodeCounts(r.buckets),
});

const toEvent = (r: EventRow): StoredHealthEvent => ({
  serviceId: r.service_id,
  at: r.at,
  state: r.state,
  previous: r.previous,
  reasonCode: r.reason_code,
  reason: r.reason,
});

interface StateRow {
  service_id: number;
  state: string;
  failures: number;
  since: number;
  checked_at: number;
}

const toState = (r: StateRow): StoredHealthState => ({
  serviceId: r.service_id,
  state: r.state,
  failures: r.failures,
  since: r.since,
  checkedAt: r.checked_at,
});

/** Sums two varint-encoded bucket lists (the SQL function the additive roll-up upsert calls). */
function addCounts(a: Uint8Array, b: Uint8Array): Uint8Array {
  const x = decodeCounts(a);
  const y = decodeCounts(b);
  return encodeCounts(
    Array.from({ length: Math.max(x.length, y.length) }, (_, i) => (x[i] ?? 0) + (y[i] ?? 0)),
  );
}

/** The health checker's tables in the embedded SQLite file (same connection as the metric store). */
export class SqliteHealthStore implements HealthStore {
  private readonly stmts;
  private readonly beats: SqliteHeartbeats;

  constructor(private readonly db: Database.Database) {
    this.beats = new SqliteHeartbeats(db);
    // Same name and meaning as the PostgreSQL function of migration 3.
    db.function('health_add_counts', { deterministic: true }, (a, b) =>
      addCounts(a as Uint8Array, b as Uint8Array),
    );
    this.stmts = {
      services: db.prepare(
        'SELECT id, name, input, origin, created_at AS createdAt, updated_at AS updatedAt FROM health_services ORDER BY name',
      ),
      saveService: db.prepare(
        `INSERT INTO health_services (name, input, origin, created_at, updated_at) VALUES (@name, @input, @origin, @at, @at)
         ON CONFLICT (name) DO UPDATE SET input = excluded.input, origin = excluded.origin, updated_at = excluded.updated_at
         RETURNING id`,
      ),
      deleteService: db.prepare('DELETE FROM health_services WHERE id = ?'),
      deleteEvents: db.prepare('DELETE FROM health_events WHERE service_id = ?'),
      deleteRollups: db.prepare('DELETE FROM health_rollups WHERE service_id = ?'),
      deleteState: db.prepare('DELETE FROM health_states WHERE service_id = ?'),
      claimFlush: db.prepare('INSERT OR IGNORE INTO health_rollup_flushes (flush_id, at) VALUES (?, ?)'),
      pruneFlushes: db.prepare('DELETE FROM health_rollup_flushes WHERE at < ?'),
      addRollup: db.prepare(
        `INSERT INTO health_rollups (service_id, hour, checks, up, degraded, duration_sum, duration_max, buckets)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (service_id, hour) DO UPDATE SET checks = checks + excluded.checks, up = up + excluded.up,
           degraded = degraded + excluded.degraded, duration_sum = duration_sum + excluded.duration_sum,
           duration_max = max(duration_max, excluded.duration_max),
           buckets = health_add_counts(buckets, excluded.buckets)`,
      ),
      saveState: db.prepare(
        `INSERT INTO health_states (service_id, state, failures, since, checked_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET state = excluded.state, failures = excluded.failures,
           since = excluded.since, checked_at = excluded.checked_at
         WHERE excluded.checked_at >= health_states.checked_at`,
      ),
      states: db.prepare('SELECT * FROM health_states ORDER BY service_id'),
      statesOf: db.prepare(
        'SELECT * FROM health_states WHERE service_id IN (SELECT value FROM json_each(?)) ORDER BY service_id',
      ),
      insertEvent: db.prepare(
        'INSERT INTO health_events (service_id, at, state, previous, reason_code, reason) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      latestEvents: db.prepare(
        `SELECT e.service_id, e.at, e.state, e.previous, e.reason_code, e.reason FROM health_events e
         JOIN (SELECT service_id, MAX(id) AS id FROM health_events GROUP BY service_id) l ON e.id = l.id`,
      ),
      events: db.prepare(
        `SELECT service_id, at, state, previous, reason_code, reason FROM health_events
         WHERE service_id = ? AND at >= ? ORDER BY at DESC, id DESC LIMIT ?`,
      ),
      saveRollup: db.prepare(
        `INSERT OR REPLACE INTO health_rollups (service_id, hour, checks, up, degraded, duration_sum, duration_max, buckets)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ),
      rollups: db.prepare('SELECT * FROM health_rollups WHERE service_id = ? AND hour >= ? ORDER BY hour'),
      rollupsOfHour: db.prepare('SELECT * FROM health_rollups WHERE hour = ?'),
      uptimeTotals: db.prepare(
        'SELECT service_id, SUM(checks) AS checks, SUM(up) AS up FROM health_rollups WHERE hour >= ? GROUP BY service_id',
      ),
      deleteOldEvents: db.prepare('DELETE FROM health_events WHERE service_id = ? AND at < ?'),
      deleteOldRollups: db.prepare('DELETE FROM health_rollups WHERE service_id = ? AND hour < ?'),
    };
  }

  loadServices(): Promise<StoredHealthService[]> {
    return Promise.resolve(this.stmts.services.all() as StoredHealthService[]);
  }

  saveService(name: string, input: string, origin: 'api' | 'file', at: number): Promise<number> {
    const row = this.stmts.saveService.get({ name, input, origin, at }) as { id: number };
    return Promise.resolve(row.id);
  }

  deleteService(id: number): Promise<void> {
    this.db
      .transaction(() => {
        this.stmts.deleteEvents.run(id);
        this.stmts.deleteRollups.run(id);
        this.stmts.deleteState.run(id);
        this.beats.deleteOf(id);
        this.stmts.deleteService.run(id);
      })
      .immediate();
    return Promise.resolve();
  }

  appendEvents(events: readonly StoredHealthEvent[]): Promise<void> {
    this.db
      .transaction(() => {
        for (const e of events)
          this.stmts.insertEvent.run(e.serviceId, e.at, e.state, e.previous, e.reasonCode, e.reason);
      })
      .immediate();
    return Promise.resolve();
  }

  latestEvents(): Promise<StoredHealthEvent[]> {
    return Promise.resolve((this.stmts.latestEvents.all() as EventRow[]).map(toEvent));
  }

  events(serviceId: number, since: number, limit: number): Promise<StoredHealthEvent[]> {
    return Promise.resolve((this.stmts.events.all(serviceId, since, limit) as EventRow[]).map(toEvent));
  }

  saveRollups(rows: readonly HealthRollup[]): Promise<void> {
    this.db
      .transaction(() => {
        for (const r of rows) {
          this.stmts.saveRollup.run(
            r.serviceId,
            r.hour,
            r.checks,
            r.up,
            r.degraded,
            Math.round(r.durationSumMs),
            Math.round(r.durationMaxMs),
            encodeCounts(r.buckets),
          );
        }
      })
      .immediate();
    return Promise.resolve();
  }

  applyFlush(flush: HealthFlush): Promise<boolean> {
    const applied = this.db
      .transaction(() => {
        this.stmts.pruneFlushes.run(flush.at - FLUSH_IDS_KEPT_MS);
        if (this.stmts.claimFlush.run(flush.id, flush.at).changes === 0) return false;
        for (const r of flush.rollups)
          this.stmts.addRollup.run(
            r.serviceId,
            r.hour,
            r.checks,
            r.up,
            r.degraded,
            Math.round(r.durationSumMs),
            Math.round(r.durationMaxMs),
            encodeCounts(r.buckets),
          );
        for (const s of flush.states)
          this.stmts.saveState.run(s.serviceId, s.state, s.failures, s.since, s.checkedAt);
        this.beats.write(flush.beats ?? []);
        return true;
      })
      .immediate();
    return Promise.resolve(applied);
  }

  healthStates(serviceIds?: readonly number[]): Promise<StoredHealthState[]> {
    const rows =
      serviceIds === undefined
        ? this.stmts.states.all()
        : this.stmts.statesOf.all(JSON.stringify(serviceIds));
    return Promise.resolve((rows as StateRow[]).map(toState));
  }

  rollups(serviceId: number, fromHour: number): Promise<HealthRollup[]> {
    return Promise.resolve((this.stmts.rollups.all(serviceId, fromHour) as RollupRow[]).map(toRollup));
  }

  rollupsOfHour(hour: number): Promise<HealthRollup[]> {
    return Promise.resolve((this.stmts.rollupsOfHour.all(hour) as RollupRow[]).map(toRollup));
  }

  uptimeTotals(fromHour: number): Promise<Map<number, { checks: number; up: number }>> {
    const rows = this.stmts.uptimeTotals.all(fromHour) as {
      service_id: number;
      checks: number;
      up: number;
    }[];
    return Promise.resolve(new Map(rows.map((r) => [r.service_id, { checks: r.checks, up: r.up }])));
  }

  deleteHealthBefore(serviceIds: readonly number[], cutoff: number): Promise<number> {
    let deleted = 0;
    this.db
      .transaction(() => {
        for (const id of serviceIds) {
          deleted += this.stmts.deleteOldEvents.run(id, cutoff).changes;
          deleted += this.stmts.deleteOldRollups.run(id, Math.floor(cutoff / HOUR_MS)).changes;
        }
      })
      .immediate();
    return Promise.resolve(deleted);
  }

  rollupsBetween(serviceId: number, fromHour: number, toHour: number): Promise<HealthRollup[]> {
    const rows = this.db
      .prepare('SELECT * FROM health_rollups WHERE service_id = ? AND hour >= ? AND hour < ? ORDER BY hour')
      .all(serviceId, fromHour, toHour) as RollupRow[];
    return Promise.resolve(rows.map(toRollup));
  }

  eventsBetween(serviceId: number, from: number, to: number, limit: number): Promise<StoredHealthEvent[]> {
    const rows = this.db
      .prepare(
        `SELECT service_id, at, state, previous, reason_code, reason FROM health_events
         WHERE service_id = ? AND at >= ? AND at < ? ORDER BY at, id LIMIT ?`,
      )
      .all(serviceId, from, to, limit) as EventRow[];
    return Promise.resolve(rows.map(toEvent));
  }

  eventBefore(serviceId: number, at: number): Promise<StoredHealthEvent | undefined> {
    const row = this.db
      .prepare(
        `SELECT service_id, at, state, previous, reason_code, reason FROM health_events
         WHERE service_id = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1`,
      )
      .get(serviceId, at) as EventRow | undefined;
    return Promise.resolve(row === undefined ? undefined : toEvent(row));
  }

  deleteEventsBefore(serviceIds: readonly number[], cutoff: number): Promise<number> {
    return this.deletePerService(
      'DELETE FROM health_events WHERE service_id = ? AND at < ?',
      serviceIds,
      cutoff,
    );
  }

  deleteRollupsBefore(serviceIds: readonly number[], beforeHour: number): Promise<number> {
    return this.deletePerService(
      'DELETE FROM health_rollups WHERE service_id = ? AND hour < ?',
      serviceIds,
      beforeHour,
    );
  }

  /** Runs a per-service delete for each id in one transaction; how many rows went. */
  private deletePerService(sql: string, serviceIds: readonly number[], bound: number): Promise<number> {
    const statement = this.db.prepare(sql);
    let deleted = 0;
    this.db
      .transaction(() => {
        for (const id of serviceIds) deleted += statement.run(id, bound).changes;
      })
      .immediate();
    return Promise.resolve(deleted);
  }

  heartbeats(serviceIds: readonly number[], limit: number): Promise<Map<number, StoredHeartbeat[]>> {
    return Promise.resolve(this.beats.read(serviceIds, limit));
  }

  savePushBeat(beat: StoredPushBeat): Promise<void> {
    this.beats.savePush(beat);
    return Promise.resolve();
  }

  pushBeat(serviceId: number): Promise<StoredPushBeat | undefined> {
    return Promise.resolve(this.beats.push(serviceId));
  }
}
