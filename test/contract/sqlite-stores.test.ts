import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteAlertStore } from '../../src/storage/sqlite/sqlite-alert-store.js';
import { SqliteAuthStore } from '../../src/storage/sqlite/sqlite-auth-store.js';
import { SqliteHealthStore } from '../../src/storage/sqlite/sqlite-health-store.js';
import { SqliteMetricStore } from '../../src/storage/sqlite/sqlite-metric-store.js';
import { SqliteSecondFactorStore } from '../../src/storage/sqlite/sqlite-second-factor-store.js';
import { alertStoreContract } from './alert-store-contract.js';
import { authStoreContract } from './auth-store-contract.js';
import { healthHeartbeatsContract } from './health-heartbeats-contract.js';
import { healthHistoryContract } from './health-history-contract.js';
import { healthStoreContract } from './health-store-contract.js';
import { metricStoreContract } from './metric-store-contract.js';
import { secondFactorStoreContract } from './second-factor-store-contract.js';

/** The shared store contract on the embedded adapters: a fresh SQLite file for every test. */
describe('store contract on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'contract-sqlite-'));
  const closers: (() => void)[] = [];
  let n = 0;
  const freshDb = (): ReturnType<typeof openDatabase> => {
    const db = openDatabase(join(dir, `${String(++n)}.db`), 'normal');
    migrateSqlite(db);
    closers.push(() => {
      db.close();
    });
    return db;
  };
  after(() => {
    for (const close of closers) close();
    rmSync(dir, { recursive: true, force: true });
  });

  describe('MetricStore', () => {
    metricStoreContract(() => {
      const file = join(dir, `${String(++n)}.db`);
      const db = openDatabase(file, 'normal');
      migrateSqlite(db);
      closers.push(() => {
        if (db.open) db.close();
      });
      return Promise.resolve(new SqliteMetricStore(db, file));
    });
  });
  describe('HealthStore', () => {
    healthStoreContract(() => Promise.resolve(new SqliteHealthStore(freshDb())));
    healthHistoryContract(() => Promise.resolve(new SqliteHealthStore(freshDb())));
    healthHeartbeatsContract(() => Promise.resolve(new SqliteHealthStore(freshDb())));
  });
  describe('AlertStore', () => {
    alertStoreContract(() => Promise.resolve(new SqliteAlertStore(freshDb())));
  });
  describe('AuthStore', () => {
    authStoreContract(() => Promise.resolve(new SqliteAuthStore(freshDb())));
  });
  describe('SecondFactorStore', () => {
    secondFactorStoreContract(() => Promise.resolve(new SqliteSecondFactorStore(freshDb())));
  });
});
