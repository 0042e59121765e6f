import type { Pool, PoolClient } from 'pg';
import { FENCED_SQLSTATE } from './pg-cluster-schema.js';

/** The state of a lease after an acquire or renew. */
export type LeaseState = { held: true; epoch: number; expiresAt: number } | { held: false };

/** A write refused because its epoch is not the lease's current one (a deposed holder). */
export class FencedError extends Error {
  constructor(
    readonly lease: string,
    readonly epoch: number,
  ) {
    super(`lease ${lease} is no longer held at epoch ${String(epoch)}`);
    this.name = 'FencedError';
  }
}

/**
 * Takes the lease when it is free, expired, or already this holder's, in one statement; a renewal ($4:
 * the holder thinks it holds the lease) keeps the epoch, anything else bumps it: a change of holder, and
 * a holder taking its own row back after it gave it up (each term of office its own epoch).
 */
const ACQUIRE = `
INSERT INTO cluster_leases AS l (name, holder, epoch, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder,
      epoch = CASE WHEN l.holder = EXCLUDED.holder AND $4 THEN l.epoch ELSE l.epoch + 1 END,
      expires_at = EXCLUDED.expires_at
  WHERE l.holder = EXCLUDED.holder OR l.expires_at <= clock_timestamp()
RETURNING epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms`;

const LOCK_SESSION_PREFIX = 'metrics-service lease ';

/**
 * The application_name of a holder's lock session (ADR 0028): the prefix and the holder's last 8
 * characters (the random part of an incarnation), short of PostgreSQL's 63-byte limit whatever the
 * replica id's length.
 */
export function lockSessionName(holder: string): string {
  return `${LOCK_SESSION_PREFIX}${holder.slice(-8)}`;
}

/** lockSessionName in SQL, of a holder column. */
function lockSessionSql(holder: string): string {
  return `'${LOCK_SESSION_PREFIX}' || right(${holder}, 8)`;
}

/**
 * Takes the lease over from a holder that may still be within its TTL (ADR 0028), bumping the epoch
 * always. Run only by a process that has just taken the lease's session advisory lock: the holder lost
 * that lock, so its session (or its process) is gone, unless the holder never had the lock (it won by
 * expiry while a paused predecessor kept it) and its lock session is connected: that holder is alive and
 * keeps the lease. The fence makes either outcome safe; this condition only avoids deposing a live one.
 */
const TAKE_OVER = `
INSERT INTO cluster_leases AS l (name, holder, epoch, expires_at)
VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (name) DO UPDATE
  SET holder = EXCLUDED.holder, epoch = l.epoch + 1, expires_at = EXCLUDED.expires_at
  WHERE l.expires_at <= clock_timestamp()
     OR l.holder = EXCLUDED.holder
     OR NOT EXISTS (
       SELECT 1 FROM pg_stat_activity
       WHERE datname = current_database() AND application_name = ${lockSessionSql('l.holder')})
RETURNING epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_ms`;

/** Ends the lease now (keeping the epoch: the next holder bumps it), only if still ours at that epoch. */
const RELEASE = `
UPDATE cluster_leases SET expires_at = clock_timestamp()
WHERE name = $1 AND holder = $2 AND epoch = $3`;

/**
 * A named lease row on PostgreSQL: `name`, `holder`, `epoch`, `expires_at`. `holder` should be unique per
 * process incarnation (the replica id plus a random suffix), so a restarted replica never inherits the
 * epoch of the process it replaces.
 */
export class PgLease {
  constructor(
    private readonly pool: Pool,
    readonly name: string,
    readonly holder: string,
    readonly ttlMs: number,
  ) {}

  /** Acquires, or renews (`renewing`: this holder thinks it holds the lease). */
  async acquire(renewing = true): Promise<LeaseState> {
    const result = await this.pool.query<{ epoch: string; expires_ms: number }>(ACQUIRE, [
      this.name,
      this.holder,
      this.ttlMs,
      renewing,
    ]);
    const row = result.rows[0];
    if (row === undefined) return { held: false };
    return { held: true, epoch: Number(row.epoch), expiresAt: row.expires_ms };
  }

  /** Takes over at a new epoch (see TAKE_OVER); `{ held: false }`: the holder is alive. */
  async takeOver(): Promise<LeaseState> {
    const result = await this.pool.query<{ epoch: string; expires_ms: number }>(TAKE_OVER, [
      this.name,
      this.holder,
      this.ttlMs,
    ]);
    const row = result.rows[0];
    if (row === undefined) return { held: false };
    return { held: true, epoch: Number(row.epoch), expiresAt: row.expires_ms };
  }

  async release(epoch: number): Promise<void> {
    await this.pool.query(RELEASE, [this.name, this.holder, epoch]);
  }

  /** Who holds the lease now (undefined: nobody, or it expired). */
  async current(): Promise<{ holder: string; epoch: number } | undefined> {
    const result = await this.pool.query<{ holder: string; epoch: string }>(
      'SELECT holder, epoch FROM cluster_leases WHERE name = $1 AND expires_at > clock_timestamp()',
      [this.name],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { holder: row.holder, epoch: Number(row.epoch) };
  }

  /**
   * Runs `work` in a transaction fenced by `epoch`: it commits only if the lease is still held at that epoch
   * (cluster_fence share-locks the row until commit); otherwise it rolls back with a FencedError.
   */
  async fenced<T>(epoch: number, work: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT cluster_fence($1, $2)', [this.name, epoch]);
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      if ((error as { code?: unknown }).code === FENCED_SQLSTATE) throw new FencedError(this.name, epoch);
      throw error;
    } finally {
      client.release();
    }
  }
}

/**
 * A condition for a single statement that must only apply while `epoch` is current, for writes outside
 * `fenced()`: `UPDATE … WHERE id = $1 AND ${fenceCondition('$2', '$3')}`; 0 rows means deposed. It does
 * not lock the lease row, so prefer fenced() where the write and a takeover could interleave.
 */
export function fenceCondition(nameParam: string, epochParam: string): string {
  return `EXISTS (SELECT 1 FROM cluster_leases WHERE name = ${nameParam} AND epoch = ${epochParam} AND expires_at > clock_timestamp())`;
}
