import type { Pool } from 'pg';

/** Key of the advisory lock that serialises this schema's creation across replicas started at once. */
const SCHEMA_LOCK = 0x6d730013;

/** SQLSTATE raised by cluster_fence (class 'MS': the service's own). */
export const FENCED_SQLSTATE = 'MS001';

/**
 * The lease and membership tables, and `cluster_fence(lease, epoch)`: a statement a writer's transaction
 * runs first. It share-locks the lease row, so a takeover (which updates the row) waits for the fenced
 * transaction to end: either the write commits while its epoch is current, or the takeover came first and
 * the write is refused. Times are the database's (clock_timestamp), never a replica's clock.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS cluster_leases (
  name text PRIMARY KEY,
  holder text NOT NULL,
  epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE TABLE IF NOT EXISTS cluster_members (
  replica_id text PRIMARY KEY,
  address text NOT NULL,
  started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL
);
CREATE INDEX IF NOT EXISTS cluster_members_expires_at ON cluster_members (expires_at);
CREATE OR REPLACE FUNCTION cluster_fence(lease_name text, expected_epoch bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM 1 FROM cluster_leases
    WHERE name = lease_name AND epoch = expected_epoch AND expires_at > clock_timestamp()
    FOR SHARE;
  IF NOT FOUND THEN
    RAISE EXCEPTION 'lease % is no longer held at epoch %', lease_name, expected_epoch
      USING ERRCODE = '${FENCED_SQLSTATE}';
  END IF;
END;
$$;
`;

/** Creates the cluster tables once (idempotent; serialised by an advisory lock). */
export async function ensureClusterSchema(pool: Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
    await client.query(SCHEMA);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
