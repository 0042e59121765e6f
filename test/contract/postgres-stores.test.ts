import { after, before, describe } from 'node:test';
import { PgAlertStore } from '../../src/storage/postgres/pg-alert-store.js';
import { PgAuthStore } from '../../src/storage/postgres/pg-auth-store.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { PgHealthStore } from '../../src/storage/postgres/pg-health-store.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { PgMetricStore } from '../../src/storage/postgres/pg-metric-store.js';
import { PgSecondFactorStore } from '../../src/storage/postgres/pg-second-factor-store.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { type TestDatabase, createTestDatabase } from '../support/postgres.js';
import { alertStoreContract } from './alert-store-contract.js';
import { authStoreContract } from './auth-store-contract.js';
import { healthHeartbeatsContract } from './health-heartbeats-contract.js';
import { healthHistoryContract } from './health-history-contract.js';
import { healthStoreContract } from './health-store-contract.js';
import { metricStoreContract } from './metric-store-contract.js';
import { secondFactorStoreContract } from './second-factor-store-contract.js';

const SKIP = await skipUnlessServers([POSTGRES]);

/**
 * The shared store contract on the PostgreSQL adapters, on the real server: one database for the suite,
 * every table emptied before each test (identities restarted), all adapters on one pool as in the service.
 */
describe('store contract on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let db: PgDatabase;
  before(async () => {
    database = await createTestDatabase('contract');
    db = new PgDatabase({ url: database.url, max: 4 });
    await migratePostgres(db);
  });
  after(async () => {
    await db.end();
    await database.drop();
  });
  const emptied = async (): Promise<void> => {
    const tables = await db.rows<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'",
    );
    await db.query(`TRUNCATE ${tables.map((t) => `"${t.tablename}"`).join(', ')} RESTART IDENTITY`);
  };

  describe('MetricStore', () => {
    metricStoreContract(async () => {
      await emptied();
      return new PgMetricStore(db);
    });
  });
  describe('HealthStore', () => {
    healthStoreContract(async () => {
      await emptied();
      return new PgHealthStore(db);
    });
    healthHistoryContract(async () => {
      await emptied();
      return new PgHealthStore(db);
    });
    healthHeartbeatsContract(async () => {
      await emptied();
      return new PgHealthStore(db);
    });
  });
  describe('AlertStore', () => {
    alertStoreContract(async () => {
      await emptied();
      return new PgAlertStore(db);
    });
  });
  describe('AuthStore', () => {
    authStoreContract(async () => {
      await emptied();
      return new PgAuthStore(db);
    });
  });
  describe('SecondFactorStore', () => {
    secondFactorStoreContract(async () => {
      await emptied();
      return new PgSecondFactorStore(db);
    });
  });
});
