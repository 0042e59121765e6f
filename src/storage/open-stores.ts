import { join } from 'node:path';
import type { Config } from '../config/config.js';
import type { AlertStore, AuthStore, HealthStore, MetricStore, StatusStore } from './ports.js';
import { openDatabase } from './sqlite/open-database.js';
import { SqliteAlertStore } from './sqlite/sqlite-alert-store.js';
import { SqliteAuthStore } from './sqlite/sqlite-auth-store.js';
import { SqliteHealthStore } from './sqlite/sqlite-health-store.js';
import { SqliteMetricStore } from './sqlite/sqlite-metric-store.js';
import { SqliteStatusStore } from './sqlite/sqlite-status-store.js';

/** The adapters of every store port for the configured mode: the embedded SQLite file (default). */
export interface Stores {
  store: MetricStore;
  healthStore: HealthStore;
  alertStore: AlertStore;
  authStore: AuthStore;
  statusStore: StatusStore;
  kind: string;
}

export function openStores(config: Readonly<Config>): Stores {
  if (config.databaseUrl !== undefined) {
    throw new Error(
      'DATABASE_URL (PostgreSQL, the scaled-out mode) is not available yet; unset it to use the embedded store',
    );
  }
  const file = join(config.dataDir, 'metrics.db');
  const db = openDatabase(file, config.storageSync);
  return {
    store: new SqliteMetricStore(db, file),
    healthStore: new SqliteHealthStore(db),
    alertStore: new SqliteAlertStore(db),
    authStore: new SqliteAuthStore(db),
    statusStore: new SqliteStatusStore(db),
    kind: 'sqlite',
  };
}
