import type { Pool } from 'pg';
import type { Queryable } from '../storage/postgres/pg-database.js';
import { migratePostgres } from '../storage/postgres/pg-migrations.js';

/** SQLSTATE raised by cluster_fence (class 'MS': the service's own; spelled in PostgreSQL migration 3). */
export const FENCED_SQLSTATE = 'MS001';

/**
 * The lease and membership tables and `cluster_fence(lease, epoch)` are PostgreSQL migration 3
 * (src/storage/postgres/pg-migrations.ts). cluster_fence is a statement a writer's transaction runs first: it
 * share-locks the lease row, so a takeover (which updates the row) waits for the fenced transaction to end:
 * either the write commits while its epoch is current, or the takeover came first and the write is refused.
 *
 * This runs the migration runner on a pool of the cluster's own (under its advisory lock, so replicas started
 * at once migrate once): a no-op when openStores already migrated, which the service always does first.
 */
export async function ensureClusterSchema(pool: Pool): Promise<void> {
  await migratePostgres({ transaction: (work) => inTransaction(pool, work) });
}

async function inTransaction<T>(pool: Pool, work: (client: Queryable) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
