import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { ROLE_DUTIES, type ServiceRole } from '../../src/roles.js';
import { createServices, type Services } from '../../src/services.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { TEST_AUTH_ENV } from '../support/test-app.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const DAY = 86_400_000;
const RETENTION_LOOPS = ['retention', 'health-retention', 'alert-retention', 'audit-retention'];

/** Rows older than every TTL, one kind per retention loop that deletes history. */
async function seedOldRows(db: PgDatabase, serviceId: number): Promise<void> {
  const old = Date.now() - 400 * DAY;
  await db.query(
    `INSERT INTO health_events (service_id, at, state, previous) VALUES ($1, $2, 'down', 'up')`,
    [serviceId, old],
  );
  await db.query(
    `INSERT INTO health_rollups (service_id, hour, checks, up, degraded, duration_sum, duration_max, buckets)
     VALUES ($1, $2, 1, 1, 0, 5, 5, '\\x01')`,
    [serviceId, Math.floor(old / 3_600_000)],
  );
  await db.query(
    `INSERT INTO alerts (id, rule_id, fingerprint, state, severity, started_at, resolved_at, updated_at, data)
     VALUES ('old-alert', 'r', 'f', 'resolved', 'warning', $1, $1, $1, '{}')`,
    [old],
  );
  await db.query(
    `INSERT INTO audit_log (at, actor, action, target, status, ip, request_id)
     VALUES ($1, 'admin', 'test', 'x', 200, '127.0.0.1', 'req-1')`,
    [old],
  );
}

async function oldRowCounts(db: PgDatabase): Promise<Record<string, number>> {
  const cutoff = Date.now() - 300 * DAY;
  const count = async (sql: string, params: unknown[]): Promise<number> =>
    (await db.rows<{ n: number }>(sql, params))[0]!.n;
  return {
    healthEvents: await count('SELECT count(*)::int AS n FROM health_events WHERE at < $1', [cutoff]),
    healthRollups: await count('SELECT count(*)::int AS n FROM health_rollups WHERE hour < $1', [
      Math.floor(cutoff / 3_600_000),
    ]),
    alerts: await count('SELECT count(*)::int AS n FROM alerts WHERE resolved_at < $1', [cutoff]),
    audit: await count('SELECT count(*)::int AS n FROM audit_log WHERE at < $1', [cutoff]),
  };
}

/**
 * Two replicas on one PostgreSQL database, one `primary` and one `follower` (as the lease would make them;
 * the lease itself is not under test): the follower runs every loop its role gives it and deletes nothing;
 * the primary's retention loops delete the expired health history, resolved alerts and audit rows.
 */
describe('retention runs on the retention duty holder only', { skip: SKIP }, () => {
  let database: TestDatabase;
  let db: PgDatabase;
  const dirs: string[] = [];
  const replicas: Services[] = [];

  before(async () => {
    database = await createTestDatabase('retention_once');
    db = new PgDatabase({ url: database.url, max: 2 });
  });
  after(async () => {
    for (const services of replicas) await services.close();
    await db.end();
    await database.drop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  const start = async (role: ServiceRole, replicaId: string): Promise<Services> => {
    const dir = mkdtempSync(join(tmpdir(), `h-retention-${replicaId}-`));
    dirs.push(dir);
    const config = loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATA_DIR: dir,
      DATABASE_URL: database.url,
      REPLICA_ID: replicaId,
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      HEALTH_CHECKS_TTL: String(30 * 86_400),
      HEALTH_ROLLUP_RETENTION: String(30 * 86_400),
      ALERTS_TTL: String(30 * 86_400),
      AUDIT_TTL: String(30 * 86_400),
      ...TEST_AUTH_ENV,
    });
    const services = await createServices(config, pino({ level: 'silent' }), role);
    replicas.push(services);
    return services;
  };

  it('the duty table gives every history-deleting loop to primary and standalone, none to follower', () => {
    assert.equal(ROLE_DUTIES.primary.retention, true);
    assert.equal(ROLE_DUTIES.standalone.retention, true);
    assert.equal(ROLE_DUTIES.follower.retention, false);
  });

  it('a follower deletes nothing; the primary deletes expired health history, alerts and audit rows', async () => {
    // Scaled out, the lease decides who is primary (ADR 0020), not the role asked for at start.
    const first = await start('follower', 'replica-a');
    const second = await start('follower', 'replica-b');
    const deadline = Date.now() + 20_000;
    while (first.role !== 'primary' && second.role !== 'primary') {
      assert.ok(Date.now() < deadline, 'one replica won the lease within 20 s');
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const [primary, follower] = first.role === 'primary' ? [first, second] : [second, first];
    assert.equal(follower.role, 'follower', 'exactly one primary');
    const service = await follower.health.checker.add({
      name: 'old-service',
      url: 'https://old-service.example.com/health',
      interval: 86_400_000,
    });
    await primary.health.checker.reload();
    await seedOldRows(db, service.id);
    const seeded = { healthEvents: 1, healthRollups: 1, alerts: 1, audit: 1 };
    assert.deepEqual(await oldRowCounts(db), seeded);

    const followerLoops = follower.tasks.map((task) => task.name);
    for (const name of RETENTION_LOOPS) assert.ok(!followerLoops.includes(name), `${name} on the follower`);
    // Run every loop the follower has, once, as their timers would.
    for (const task of follower.tasks) await task.flush();
    assert.deepEqual(await oldRowCounts(db), seeded, 'the follower deleted nothing');

    const primaryLoops = primary.tasks.map((task) => task.name);
    for (const name of RETENTION_LOOPS) assert.ok(primaryLoops.includes(name), `${name} on the primary`);
    for (const task of primary.tasks.filter((t) => RETENTION_LOOPS.includes(t.name))) await task.flush();
    assert.deepEqual(await oldRowCounts(db), { healthEvents: 0, healthRollups: 0, alerts: 0, audit: 0 });
  });
});
