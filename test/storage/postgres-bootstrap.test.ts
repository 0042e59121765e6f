import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { PREDEFINED_RULES } from '../../src/alerting/predefined-rules.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { PG_MIGRATIONS, migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { type ChildService, startChildService } from '../support/child-service.js';
import { type TestDatabase, createTestDatabase } from '../support/postgres.js';
import { TEST_ADMIN_PASSWORD } from '../support/test-app.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const REPLICAS = 3;

/** Replicas starting at the same instant on one empty database: one schema, one admin, one key, one seed. */
describe('race-free bootstraps on PostgreSQL', { skip: SKIP }, () => {
  const databases: TestDatabase[] = [];
  const pools: PgDatabase[] = [];
  const children: ChildService[] = [];
  const dirs: string[] = [];
  after(async () => {
    for (const child of children) if (child.child.exitCode === null) child.child.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    for (const pool of pools) await pool.end();
    for (const database of databases) await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('migrates once under the advisory lock when five pools migrate at once', async () => {
    const database = await createTestDatabase('migrate');
    databases.push(database);
    const racers = Array.from({ length: 5 }, () => new PgDatabase({ url: database.url, max: 1 }));
    pools.push(...racers);
    const applied = await Promise.all(racers.map((db) => migratePostgres(db)));
    // One racer applies every version; the others find them applied.
    assert.deepEqual(
      applied.filter((versions) => versions.length > 0),
      [PG_MIGRATIONS.map((_, i) => i + 1)],
      `one racer applied the migrations: ${JSON.stringify(applied)}`,
    );
    const rows = await racers[0]!.rows<{ version: number }>('SELECT version FROM schema_migrations');
    assert.deepEqual(
      rows,
      PG_MIGRATIONS.map((_, i) => ({ version: i + 1 })),
    );
  });

  it('three services started at once end with one admin, one JWT key they all use, the predefined rules once', async () => {
    const database = await createTestDatabase('bootstrap');
    databases.push(database);
    const started = await Promise.all(
      Array.from({ length: REPLICAS }, () => {
        const dir = mkdtempSync(join(tmpdir(), 'pg-bootstrap-'));
        dirs.push(dir);
        // No JWT_SECRET: each replica would generate its own key if the store did not pick one.
        return startChildService({ DATABASE_URL: database.url, DATA_DIR: dir }, 60_000);
      }),
    );
    children.push(...started);
    const db = new PgDatabase({ url: database.url, max: 1 });
    pools.push(db);
    const users = await db.rows<{ name: string; role: string }>('SELECT name, role FROM users');
    assert.deepEqual(users, [{ name: 'admin', role: 'admin' }]);
    const secrets = await db.rows<{ n: number }>(
      "SELECT count(*) AS n FROM meta WHERE key = 'auth.jwt_secret'",
    );
    assert.equal(secrets[0]?.n, 1);
    const seeded = await db.rows<{ n: number }>(
      "SELECT count(*) AS n FROM alert_rules WHERE origin = 'builtin'",
    );
    assert.equal(seeded[0]?.n, PREDEFINED_RULES.length);

    const login = await fetch(`${started[0]!.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
    });
    assert.equal(login.status, 200);
    const { accessToken } = (await login.json()) as { accessToken: string };
    for (const replica of started) {
      const me = await fetch(`${replica.url}/api/auth/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      assert.equal(me.status, 200, 'a token from one replica verifies on every other');
      const rules = await fetch(`${replica.url}/api/alerts/rules`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      const body = (await rules.json()) as { rules: { origin?: string }[] };
      assert.equal(body.rules.length, PREDEFINED_RULES.length, 'every replica loaded the predefined rules');
    }
  });
});
