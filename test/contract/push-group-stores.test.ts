import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe } from 'node:test';
import { PgPushGroupStore } from '../../src/receivers/pushgateway/pg-push-group-store.js';
import { SqlitePushGroupStore } from '../../src/receivers/pushgateway/sqlite-push-group-store.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { pushGroupStoreContract } from './push-group-store-contract.js';

const SKIP = await skipUnlessServers([POSTGRES]);

describe('PushGroupStore contract on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-push-groups-'));
  const stores: SqlitePushGroupStore[] = [];
  let n = 0;
  after(async () => {
    for (const store of stores) await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  pushGroupStoreContract(() => {
    const db = openDatabase(join(dir, `${String(++n)}.db`), 'normal');
    migrateSqlite(db);
    const store = new SqlitePushGroupStore(db, true);
    stores.push(store);
    return Promise.resolve(store);
  });
});

describe('PushGroupStore contract on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let db: PgDatabase;
  before(async () => {
    database = await createTestDatabase('push_groups');
    db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
  });
  after(async () => {
    await db.end();
    await database.drop();
  });
  pushGroupStoreContract(async () => {
    await db.query('TRUNCATE push_groups');
    return new PgPushGroupStore(db);
  });
});
