import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type {
  AlertStore,
  AuthStore,
  HealthStore,
  MetricStore,
  SecondFactorStore,
  StatusStore,
} from './ports.js';
import { migrateSqlite } from './sqlite/migrations.js';
import { PgAlertStore } from './postgres/pg-alert-store.js';
import { PgAuthStore } from './postgres/pg-auth-store.js';
import { PgDatabase } from './postgres/pg-database.js';
import { PgHealthStore } from './postgres/pg-health-store.js';
import { PgMetricStore } from './postgres/pg-metric-store.js';
import { migratePostgres } from './postgres/pg-migrations.js';
import { PgSecondFactorStore } from './postgres/pg-second-factor-store.js';
import { PgStatusStore } from './postgres/pg-status-store.js';
import { openDatabase } from './sqlite/open-database.js';
import { SqliteAlertStore } from './sqlite/sqlite-alert-store.js';
import { SqliteAuthStore } from './sqlite/sqlite-auth-store.js';
import { SqliteHealthStore } from './sqlite/sqlite-health-store.js';
import { SqliteMetricStore } from './sqlite/sqlite-metric-store.js';
import { SqliteSecondFactorStore } from './sqlite/sqlite-second-factor-store.js';
import { SqliteStatusStore } from './sqlite/sqlite-status-store.js';

/** The adapters of every store port for the configured mode: the embedded SQLite file (default). */
export interface Stores {
  store: MetricStore;
  healthStore: HealthStore;
  alertStore: AlertStore;
  authStore: AuthStore;
  statusStore: StatusStore;
  secondFactorStore: SecondFactorStore;
  kind: string;
  /** DATABASE_URL: the process's one PostgreSQL pool, for the cluster and push groups to share. */
  database?: PgDatabase;
}

/** Opens the stores and brings their schema up to date, once per process start. */
export async function openStores(config: Readonly<Config>): Promise<Stores> {
  if (config.databaseUrl !== undefined) return openPostgresStores(config.databaseUrl, config.databasePoolMax);
  const file = join(config.dataDir, 'metrics.db');
  const db = openDatabase(file, config.storageSync);
  migrateSqlite(db);
  return {
    store: new SqliteMetricStore(db, file),
    healthStore: new SqliteHealthStore(db),
    alertStore: new SqliteAlertStore(db),
    authStore: new SqliteAuthStore(db),
    statusStore: new SqliteStatusStore(db),
    secondFactorStore: new SqliteSecondFactorStore(db),
    kind: 'sqlite',
  };
}

/**
 * DATABASE_URL: every port on PostgreSQL, sharing one pool per process. The schema is migrated here,
 * under an advisory lock, so replicas starting together migrate once; MetricStore.close() ends the pool.
 */
async function openPostgresStores(url: string, poolMax: number): Promise<Stores> {
  const db = new PgDatabase({
    url,
    max: poolMax,
    // An idle connection the server dropped is discarded by the pool and replaced on the next query;
    // queries that fail meanwhile answer 503 store_unavailable (PgDatabase), so nothing to do here.
    onIdleError: () => undefined,
  });
  await migratePostgres(db);
  return {
    store: new PgMetricStore(db),
    healthStore: new PgHealthStore(db),
    alertStore: new PgAlertStore(db),
    authStore: new PgAuthStore(db),
    statusStore: new PgStatusStore(db),
    secondFactorStore: new PgSecondFactorStore(db),
    kind: 'postgresql',
    database: db,
  };
}
