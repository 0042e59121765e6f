import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureClusterSchema, FENCED_SQLSTATE } from '../../src/cluster/pg-cluster-schema.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres, PG_MIGRATIONS } from '../../src/storage/postgres/pg-migrations.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const SKIP = await skipUnlessServers([POSTGRES]);

/** The cluster tables as ensureClusterSchema created them before they became migration 3. */
const OLD_CLUSTER_SCHEMA = `
CREATE TABLE cluster_leases (name text PRIMARY KEY, holder text NOT NULL, epoch bigint NOT NULL,
  expires_at timestamptz NOT NULL);
CREATE TABLE cluster_members (replica_id text PRIMARY KEY, address text NOT NULL, started_at timestamptz NOT NULL,
  heartbeat_at timestamptz NOT NULL, expires_at timestamptz NOT NULL);
CREATE INDEX cluster_members_expires_at ON cluster_members (expires_at);
`;

describe('cluster tables in the PostgreSQL migration runner (version 3)', { skip: SKIP }, () => {
  let database: TestDatabase;
  let db: PgDatabase;
  before(async () => {
    database = await createTestDatabase('cluster_schema');
    db = new PgDatabase({ url: database.url, max: 4 });
  });
  after(async () => {
    await db.end();
    await database.drop();
  });

  it('a database of version 2 that already has the cluster tables migrates to 3 and keeps their rows', async () => {
    await migratePostgres(db, PG_MIGRATIONS.slice(0, 2));
    await db.query(OLD_CLUSTER_SCHEMA);
    await db.query(
      "INSERT INTO cluster_leases VALUES ('primary', 'replica-a/1', 7, clock_timestamp() + interval '1 hour')",
    );
    const applied = await migratePostgres(db, PG_MIGRATIONS.slice(0, 3));
    assert.deepEqual(applied, [3]);
    const [lease] = await db.rows<{ holder: string; epoch: number }>(
      'SELECT holder, epoch FROM cluster_leases',
    );
    assert.deepEqual(lease, { holder: 'replica-a/1', epoch: 7 });
    // cluster_fence is (re)created: the current epoch passes, an old one is refused with the service's code.
    await db.query("SELECT cluster_fence('primary', 7)");
    await assert.rejects(db.query("SELECT cluster_fence('primary', 6)"), (error: unknown) => {
      const cause = (error as { cause?: { code?: string }; code?: string }).cause ?? error;
      return (cause as { code?: string }).code === FENCED_SQLSTATE;
    });
  });

  it('ensureClusterSchema is the runner: on a migrated database it applies nothing, racing itself', async () => {
    await migratePostgres(db);
    await Promise.all([ensureClusterSchema(db.pool), ensureClusterSchema(db.pool)]);
    const rows = await db.rows<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    assert.deepEqual(
      rows.map((r) => r.version),
      PG_MIGRATIONS.map((_, i) => i + 1),
    );
  });
});
