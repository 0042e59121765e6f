import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { PgPushGroupStore } from '../../src/receivers/pushgateway/pg-push-group-store.js';
import { PushGroups } from '../../src/receivers/pushgateway/push-groups.js';
import { parseExposition } from '../../src/receivers/pushgateway/text-format.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../../src/storage/sqlite/sqlite-metric-store.js';
import { Tsdb } from '../../src/tsdb/tsdb.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTestApp } from '../support/test-app.js';
import { WIDE_INGEST_LIMITS } from '../support/ingest-limits.js';

const SKIP = await skipUnlessServers([POSTGRES]);

interface Replica {
  groups: PushGroups;
  tsdb: Tsdb;
  close: () => Promise<void>;
}

/** A replica's Pushgateway: its own TSDB (the metric data path is not under test), the shared group store. */
async function replica(name: string, dir: string, url: string, clock: () => number): Promise<Replica> {
  const file = join(dir, `${name}.db`);
  const sqlite = openDatabase(file, 'normal');
  migrateSqlite(sqlite);
  const tsdb = new Tsdb(new SqliteMetricStore(sqlite, file));
  await tsdb.recover();
  const ingest = new IngestService({
    tsdb,
    limits: WIDE_INGEST_LIMITS,
    isReservedName: () => false,
    clock,
  });
  const groups = new PushGroups({
    ingest,
    tsdb,
    store: new PgPushGroupStore(new PgDatabase({ url, max: 2 }), true),
    labelLimits: { maxLabels: 20, maxNameLength: 100, maxValueLength: 200 },
    defaultTtlSeconds: 0,
    clock,
  });
  return {
    groups,
    tsdb,
    close: async () => {
      await groups.stop();
      await tsdb.store.close();
    },
  };
}

describe('Pushgateway groups shared by two replicas on one PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let dir: string;
  before(async () => {
    database = await createTestDatabase('push_shared');
    const db = new PgDatabase({ url: database.url, max: 1 });
    await migratePostgres(db);
    await db.end();
    dir = mkdtempSync(join(tmpdir(), 'h-push-shared-'));
  });
  after(async () => {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a group pushed to A is owned, replaced, deleted and expired the same on B, and outlives both', async () => {
    let now = Date.now();
    const clock = (): number => now;
    const a = await replica('a', dir, database.url, clock);
    const b = await replica('b', dir, database.url, clock);
    try {
      await a.groups.push(
        { job: 'backup' },
        parseExposition('# TYPE backup_bytes gauge\nbackup_bytes 100\n'),
        'group',
        undefined,
      );
      // B knows the series is group job=backup's: another group pushing it is refused there.
      await assert.rejects(
        b.groups.push(
          { job: 'backup', instance: 'x' },
          parseExposition('# TYPE backup_bytes counter\nbackup_bytes 1\n'),
          'group',
          undefined,
        ),
        /backup_bytes: is a gauge in group/,
      );
      // B deletes A's group: the row is gone for A too.
      assert.equal(await b.groups.delete({ job: 'backup' }), true);
      assert.equal(await a.groups.delete({ job: 'backup' }), false);

      // A TTL set on A is enforced by B's sweeper, once.
      await a.groups.push({ job: 'batch' }, parseExposition('batch_done 1\n'), 'group', 30);
      now += 29_000;
      assert.equal(await b.groups.expire(), 0);
      now += 1_000;
      assert.equal(await b.groups.expire(), 1);
      assert.equal(await a.groups.expire(), 0, 'already expired by B');
      await a.groups.push({ job: 'kept' }, parseExposition('kept_value 2\n'), 'group', undefined);
    } finally {
      await a.close();
      await b.close();
    }
    // A restart (a new replica on the same database) finds the group.
    const c = await replica('c', dir, database.url, clock);
    try {
      assert.equal(await c.groups.delete({ job: 'kept' }), true);
    } finally {
      await c.close();
    }
  });
});

describe('Pushgateway groups of an earlier version (per-process file)', () => {
  it('move into the store at the first use, and the file is renamed .imported', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'h-push-legacy-'));
    const legacy = join(dataDir, 'pushgateway-groups.json');
    writeFileSync(
      legacy,
      JSON.stringify({
        version: 1,
        groups: [
          {
            key: { job: 'old' },
            families: {
              old_value: { type: 'gauge', help: '', series: [{ name: 'old_value', labels: { job: 'old' } }] },
            },
            pushTimeSeconds: Date.now() / 1000,
            failureTimeSeconds: 0,
            ttlSeconds: 0,
          },
        ],
      }),
    );
    const t = await startTestApp({}, dataDir);
    try {
      const refused = await t.app.inject({
        method: 'PUT',
        url: '/metrics/job/other',
        headers: { 'content-type': 'text/plain; version=0.0.4' },
        payload: '# TYPE old_value counter\nold_value 1\n',
      });
      assert.equal(refused.statusCode, 400, 'the imported group owns old_value as a gauge');
      assert.equal(existsSync(legacy), false);
      assert.equal(existsSync(`${legacy}.imported`), true);
      const deleted = await t.app.inject({ method: 'DELETE', url: '/metrics/job/old' });
      assert.equal(deleted.statusCode, 202);
    } finally {
      await t.close();
    }
  });
});
