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
import type { PgDatabase } from './pg-database.js';
import {
  beatParams,
  INSERT_BEATS_CTE,
  pruneBeats,
  readBeats,
  readPushBeat,
  savePushBeat,
} from './pg-heartbeats.js';

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
  buckets: Buffer;
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

/**
 * One statement, so one round trip and atomic: the flush id is claimed first; the roll-ups are added and the
 * states kept only if the claim inserted a row (a retried flush whose first attempt committed finds its id
 * and changes nothing). Concurrent flushes of two replicas on one hour's row serialise on the row lock of
 * ON CONFLICT DO UPDATE and add up. Old flush ids are pruned on the way (the DELETE sees the statement's
 * snapshot, never the id just claimed).
 */
const APPLY_FLUSH = `
WITH claim AS (
  INSERT INTO health_rollup_flushes (flush_id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING flush_id
), pruned AS (
  DELETE FROM health_rollup_flushes WHERE at < $3
), rollups AS (
  INSERT INTO health_rollups (service_id, hour, checks, up, degraded, duration_sum, duration_max, buckets)
  SELECT * FROM unnest($4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[],
    $10::bigint[], $11::bytea[])
  WHERE EXISTS (SELECT 1 FROM claim)
  ON CONFLICT (service_id, hour) DO UPDATE SET checks = health_rollups.checks + excluded.checks,
    up = health_rollups.up + excluded.up, degraded = health_rollups.degraded + excluded.degraded,
    duration_sum = health_rollups.duration_sum + excluded.duration_sum,
    duration_max = GREATEST(health_rollups.duration_max, excluded.duration_max),
    buckets = health_add_counts(health_rollups.buckets, excluded.buckets)
), states AS (
  INSERT INTO health_states (service_id, state, failures, since, checked_at)
  SELECT * FROM unnest($12::bigint[], $13::text[], $14::integer[], $15::bigint[], $16::bigint[])
  WHERE EXISTS (SELECT 1 FROM claim)
  ON CONFLICT (service_id) DO UPDATE SET state = excluded.state, failures = excluded.failures,
    since = excluded.since, checked_at = excluded.checked_at
  WHERE excluded.checked_at >= health_states.checked_at
), ${INSERT_BEATS_CTE}
SELECT count(*)::integer AS applied FROM claim`;

const EVENT_COLUMNS = 'service_id, at, state, previous, reason_code, reason';

/** The health checker's tables on PostgreSQL; batches are one multi-row statement each. */
export class PgHealthStore implements HealthStore {
  constructor(private readonly db: PgDatabase) {}

  loadServices(): Promise<StoredHealthService[]> {
    return this.db.rows<StoredHealthService>(
      `SELECT id, name, input, origin, created_at AS "createdAt", updated_at AS "updatedAt"
       FROM health_services ORDER BY name`,
    );
  }

  async saveService(name: string, input: string, origin: 'api' | 'file', at: number): Promise<number> {
    const [row] = await this.db.rows<{ id: number }>(
      `INSERT INTO health_services (name, input, origin, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
       ON CONFLICT (name) DO UPDATE SET input = excluded.input, origin = excluded.origin, updated_at = excluded.updated_at
       RETURNING id`,
      [name, input, origin, at],
    );
    return row!.id;
  }

  async deleteService(id: number): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM health_events WHERE service_id = $1', [id]);
      await client.query('DELETE FROM health_rollups WHERE service_id = $1', [id]);
      await client.query('DELETE FROM health_states WHERE service_id = $1', [id]);
      await client.query('DELETE FROM health_beats WHERE service_id = $1', [id]);
      await client.query('DELETE FROM health_push_beats WHERE service_id = $1', [id]);
      await client.query('DELETE FROM health_services WHERE id = $1', [id]);
    });
  }

  async appendEvents(events: readonly StoredHealthEvent[]): Promise<void> {
    if (events.length === 0) return;
    // unnest keeps the array order, and the serial ids follow it: latestEvents relies on that.
    await this.db.query(
      `INSERT INTO health_events (${EVENT_COLUMNS})
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])`,
      [
        events.map((e) => e.serviceId),
        events.map((e) => e.at),
        events.map((e) => e.state),
        events.map((e) => e.previous),
        events.map((e) => e.reasonCode),
        events.map((e) => e.reason),
      ],
    );
  }

  async latestEvents(): Promise<StoredHealthEvent[]> {
    const rows = await this.db.rows<EventRow>(
      `SELECT DISTINCT ON (service_id) ${EVENT_COLUMNS} FROM health_events ORDER BY service_id, id DESC`,
    );
    return rows.map(toEvent);
  }

  async events(serviceId: number, since: number, limit: number): Promise<StoredHealthEvent[]> {
    const rows = await this.db.rows<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM health_events WHERE service_id = $1 AND at >= $2
       ORDER BY at DESC, id DESC LIMIT $3`,
      [serviceId, since, limit],
    );
    return rows.map(toEvent);
  }

  async saveRollups(rows: readonly HealthRollup[]): Promise<void> {
    const unique = [...new Map(rows.map((r) => [`${String(r.serviceId)}:${String(r.hour)}`, r])).values()];
    if (unique.length === 0) return;
    await this.db.query(
      `INSERT INTO health_rollups (service_id, hour, checks, up, degraded, duration_sum, duration_max, buckets)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[],
         $7::bigint[], $8::bytea[])
       ON CONFLICT (service_id, hour) DO UPDATE SET checks = excluded.checks, up = excluded.up,
         degraded = excluded.degraded, duration_sum = excluded.duration_sum,
         duration_max = excluded.duration_max, buckets = excluded.buckets`,
      [
        unique.map((r) => r.serviceId),
        unique.map((r) => r.hour),
        unique.map((r) => r.checks),
        unique.map((r) => r.up),
        unique.map((r) => r.degraded),
        unique.map((r) => Math.round(r.durationSumMs)),
        unique.map((r) => Math.round(r.durationMaxMs)),
        unique.map((r) => Buffer.from(encodeCounts(r.buckets))),
      ],
    );
  }

  async applyFlush(flush: HealthFlush): Promise<boolean> {
    const { rollups: r, states: s } = flush;
    const [row] = await this.db.rows<{ applied: number }>(APPLY_FLUSH, [
      flush.id,
      flush.at,
      flush.at - FLUSH_IDS_KEPT_MS,
      r.map((x) => x.serviceId),
      r.map((x) => x.hour),
      r.map((x) => x.checks),
      r.map((x) => x.up),
      r.map((x) => x.degraded),
      r.map((x) => Math.round(x.durationSumMs)),
      r.map((x) => Math.round(x.durationMaxMs)),
      r.map((x) => Buffer.from(encodeCounts(x.buckets))),
      s.map((x) => x.serviceId),
      s.map((x) => x.state),
      s.map((x) => x.failures),
      s.map((x) => x.since),
      s.map((x) => x.checkedAt),
      ...beatParams(flush.beats ?? []),
    ]);
    const beaten = [...new Set((flush.beats ?? []).map((b) => b.serviceId))];
    if (beaten.length > 0) await pruneBeats(this.db, beaten);
    return row?.applied === 1;
  }

  async healthStates(serviceIds?: readonly number[]): Promise<StoredHealthState[]> {
    const rows =
      serviceIds === undefined
        ? await this.db.rows<StateRow>('SELECT * FROM health_states ORDER BY service_id')
        : await this.db.rows<StateRow>(
            'SELECT * FROM health_states WHERE service_id = ANY($1::bigint[]) ORDER BY service_id',
            [serviceIds],
          );
    return rows.map(toState);
  }

  async rollups(serviceId: number, fromHour: number): Promise<HealthRollup[]> {
    const rows = await this.db.rows<RollupRow>(
      'SELECT * FROM health_rollups WHERE service_id = $1 AND hour >= $2 ORDER BY hour',
      [serviceId, fromHour],
    );
    return rows.map(toRollup);
  }

  async rollupsOfHour(hour: number): Promise<HealthRollup[]> {
    const rows = await this.db.rows<RollupRow>(
      'SELECT * FROM health_rollups WHERE hour = $1 ORDER BY service_id',
      [hour],
    );
    return rows.map(toRollup);
  }

  async uptimeTotals(fromHour: number): Promise<Map<number, { checks: number; up: number }>> {
    const rows = await this.db.rows<{ service_id: number; checks: number; up: number }>(
      `SELECT service_id, SUM(checks) AS checks, SUM(up) AS up FROM health_rollups WHERE hour >= $1
       GROUP BY service_id`,
      [fromHour],
    );
    return new Map(rows.map((r) => [r.service_id, { checks: r.checks, up: r.up }]));
  }

  async deleteHealthBefore(serviceIds: readonly number[], cutoff: number): Promise<number> {
    if (serviceIds.length === 0) return 0;
    return this.db.transaction(async (client) => {
      const events = await client.query(
        'DELETE FROM health_events WHERE service_id = ANY($1::bigint[]) AND at < $2',
        [serviceIds, cutoff],
      );
      const rollups = await client.query(
        'DELETE FROM health_rollups WHERE service_id = ANY($1::bigint[]) AND hour < $2',
        [serviceIds, Math.floor(cutoff / HOUR_MS)],
      );
      return (events.rowCount ?? 0) + (rollups.rowCount ?? 0);
    });
  }

  async rollupsBetween(serviceId: number, fromHour: number, toHour: number): Promise<HealthRollup[]> {
    const rows = await this.db.rows<RollupRow>(
      'SELECT * FROM health_rollups WHERE service_id = $1 AND hour >= $2 AND hour < $3 ORDER BY hour',
      [serviceId, fromHour, toHour],
    );
    return rows.map(toRollup);
  }

  async eventsBetween(
    serviceId: number,
    from: number,
    to: number,
    limit: number,
  ): Promise<StoredHealthEvent[]> {
    const rows = await this.db.rows<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM health_events WHERE service_id = $1 AND at >= $2 AND at < $3
       ORDER BY at, id LIMIT $4`,
      [serviceId, from, to, limit],
    );
    return rows.map(toEvent);
  }

  async eventBefore(serviceId: number, at: number): Promise<StoredHealthEvent | undefined> {
    const rows = await this.db.rows<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM health_events WHERE service_id = $1 AND at < $2
       ORDER BY at DESC, id DESC LIMIT 1`,
      [serviceId, at],
    );
    return rows[0] === undefined ? undefined : toEvent(rows[0]);
  }

  async deleteEventsBefore(serviceIds: readonly number[], cutoff: number): Promise<number> {
    if (serviceIds.length === 0) return 0;
    const result = await this.db.query(
      'DELETE FROM health_events WHERE service_id = ANY($1::bigint[]) AND at < $2',
      [serviceIds, cutoff],
    );
    return result.rowCount ?? 0;
  }

  async deleteRollupsBefore(serviceIds: readonly number[], beforeHour: number): Promise<number> {
    if (serviceIds.length === 0) return 0;
    const result = await this.db.query(
      'DELETE FROM health_rollups WHERE service_id = ANY($1::bigint[]) AND hour < $2',
      [serviceIds, beforeHour],
    );
    return result.rowCount ?? 0;
  }

  heartbeats(serviceIds: readonly number[], limit: number): Promise<Map<number, StoredHeartbeat[]>> {
    return readBeats(this.db, serviceIds, limit);
  }

  savePushBeat(beat: StoredPushBeat): Promise<void> {
    return savePushBeat(this.db, beat);
  }

  pushBeat(serviceId: number): Promise<StoredPushBeat | undefined> {
    return readPushBeat(this.db, serviceId);
  }
}
