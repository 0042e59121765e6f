import type Database from 'better-sqlite3';
import { toBeat, type BeatRow } from '../heartbeat-rows.js';
import { HEARTBEATS_KEPT, type StoredHeartbeat, type StoredPushBeat } from '../ports.js';

interface PushRow {
  service_id: number;
  at: number;
  status: 'up' | 'down';
  message: string;
  ping_ms: number | null;
}

/**
 * The heartbeat bars' rows and push monitors' last heartbeats in SQLite (migration 11), split from the
 * health store to keep it one screenful per job. Writes run inside the caller's transaction (the flush).
 */
export class SqliteHeartbeats {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      // Two checks in one millisecond (a handover): the first one stays, the bar loses nothing it shows.
      insert: db.prepare(
        `INSERT OR IGNORE INTO health_beats (service_id, at, state, duration_ms, status_code, reason_code, reason)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      ),
      // The primary key's order makes this a short index walk: the 101st newest and everything older.
      prune: db.prepare(
        `DELETE FROM health_beats WHERE service_id = @id AND at <= (
           SELECT at FROM health_beats WHERE service_id = @id ORDER BY at DESC LIMIT 1 OFFSET @kept)`,
      ),
      newest: db.prepare(
        `SELECT service_id, at, state, duration_ms, status_code, reason_code, reason FROM health_beats
         WHERE service_id = ? ORDER BY at DESC LIMIT ?`,
      ),
      deleteBeats: db.prepare('DELETE FROM health_beats WHERE service_id = ?'),
      savePush: db.prepare(
        `INSERT INTO health_push_beats (service_id, at, status, message, ping_ms) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (service_id) DO UPDATE SET at = excluded.at, status = excluded.status,
           message = excluded.message, ping_ms = excluded.ping_ms
         WHERE excluded.at >= health_push_beats.at`,
      ),
      push: db.prepare('SELECT * FROM health_push_beats WHERE service_id = ?'),
      deletePush: db.prepare('DELETE FROM health_push_beats WHERE service_id = ?'),
    };
  }

  /** Inserts a flush's checks and prunes each service it touched to the newest HEARTBEATS_KEPT. */
  write(beats: readonly StoredHeartbeat[]): void {
    const touched = new Set<number>();
    for (const b of beats) {
      this.stmts.insert.run(b.serviceId, b.at, b.state, b.durationMs, b.statusCode, b.reasonCode, b.reason);
      touched.add(b.serviceId);
    }
    for (const id of touched) this.stmts.prune.run({ id, kept: HEARTBEATS_KEPT });
  }

  /** One indexed read per service: 2,000 services × 30 beats read in a few tens of ms. */
  read(serviceIds: readonly number[], limit: number): Map<number, StoredHeartbeat[]> {
    const result = new Map<number, StoredHeartbeat[]>();
    for (const id of serviceIds) {
      const rows = this.stmts.newest.all(id, limit) as BeatRow[];
      if (rows.length > 0) result.set(id, rows.reverse().map(toBeat));
    }
    return result;
  }

  savePush(b: StoredPushBeat): void {
    this.stmts.savePush.run(b.serviceId, b.at, b.status, b.message, b.pingMs);
  }

  push(serviceId: number): StoredPushBeat | undefined {
    const row = this.stmts.push.get(serviceId) as PushRow | undefined;
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

  /** Part of deleting a service (inside its transaction). */
  deleteOf(serviceId: number): void {
    this.stmts.deleteBeats.run(serviceId);
    this.stmts.deletePush.run(serviceId);
  }
}
