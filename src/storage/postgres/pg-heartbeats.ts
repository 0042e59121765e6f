import { HEARTBEATS_KEPT, type StoredHeartbeat, type StoredPushBeat } from '../ports.js';
import { toBeat, type BeatRow } from '../heartbeat-rows.js';
import type { PgDatabase } from './pg-database.js';

/**
 * The flush statement's part that inserts the checks (a CTE of APPLY_FLUSH, parameters 17 to 23, run only
 * when the flush is claimed, like the roll-ups). Two checks in one millisecond (a handover): the first stays.
 */
export const INSERT_BEATS_CTE = `beats AS (
  INSERT INTO health_beats (service_id, at, state, duration_ms, status_code, reason_code, reason)
  SELECT * FROM unnest($17::bigint[], $18::bigint[], $19::text[], $20::double precision[], $21::integer[],
    $22::text[], $23::text[])
  WHERE EXISTS (SELECT 1 FROM claim)
  ON CONFLICT (service_id, at) DO NOTHING
)`;

/** APPLY_FLUSH's parameters 17 to 23. */
export function beatParams(beats: readonly StoredHeartbeat[]): unknown[] {
  return [
    beats.map((b) => b.serviceId),
    beats.map((b) => b.at),
    beats.map((b) => b.state),
    beats.map((b) => b.durationMs),
    beats.map((b) => b.statusCode),
    beats.map((b) => b.reasonCode),
    beats.map((b) => b.reason),
  ];
}

/**
 * Keeps the newest HEARTBEATS_KEPT checks of the given services. A statement of its own after the flush:
 * the flush's CTEs share one snapshot and could not see the rows they insert. Repeating it is harmless.
 */
export async function pruneBeats(db: PgDatabase, serviceIds: readonly number[]): Promise<void> {
  await db.query(
    `DELETE FROM health_beats b USING (
       SELECT service_id, at FROM (
         SELECT service_id, at, row_number() OVER (PARTITION BY service_id ORDER BY at DESC) AS n
         FROM health_beats WHERE service_id = ANY($1::bigint[])) ranked
       WHERE n > $2) old
     WHERE b.service_id = old.service_id AND b.at = old.at`,
    [serviceIds, HEARTBEATS_KEPT],
  );
}

/** The newest `limit` checks of each service in one statement (a LATERAL index walk per service). */
export async function readBeats(
  db: PgDatabase,
  serviceIds: readonly number[],
  limit: number,
): Promise<Map<number, StoredHeartbeat[]>> {
  const rows = await db.rows<BeatRow>(
    `SELECT b.* FROM unnest($1::bigint[]) AS s(id) CROSS JOIN LATERAL (
       SELECT service_id, at, state, duration_ms, status_code, reason_code, reason FROM health_beats
       WHERE service_id = s.id ORDER BY at DESC LIMIT $2) b
     ORDER BY b.service_id, b.at`,
    [serviceIds, limit],
  );
  const result = new Map<number, StoredHeartbeat[]>();
  for (const r of rows) {
    let list = result.get(r.service_id);
    if (list === undefined) result.set(r.service_id, (list = []));
    list.push(toBeat(r));
  }
  return result;
}

export async function savePushBeat(db: PgDatabase, b: StoredPushBeat): Promise<void> {
  await db.query(
    `INSERT INTO health_push_beats (service_id, at, status, message, ping_ms) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (service_id) DO UPDATE SET at = excluded.at, status = excluded.status,
       message = excluded.message, ping_ms = excluded.ping_ms
     WHERE excluded.at >= health_push_beats.at`,
    [b.serviceId, b.at, b.status, b.message, b.pingMs],
  );
}

export async function readPushBeat(db: PgDatabase, serviceId: number): Promise<StoredPushBeat | undefined> {
  const [row] = await db.rows<{
    service_id: number;
    at: number;
    status: 'up' | 'down';
    message: string;
    ping_ms: number | null;
  }>('SELECT * FROM health_push_beats WHERE service_id = $1', [serviceId]);
  return row === undefined
    ? undefined
    : {
        serviceId: row.service_id,
        at: row.at,
        status: row.status,
        message: row.message,
        pingMs: row.ping_ms,
      };
}
