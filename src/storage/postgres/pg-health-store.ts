import { decodeCounts, encodeCounts } from '../codec/varint-counts.js';
import type { HealthRollup, HealthStore, StoredHealthEvent, StoredHealthService } from '../ports.js';
import type { PgDatabase } from './pg-database.js';

const HOUR_MS = 3_600_000;

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
}
