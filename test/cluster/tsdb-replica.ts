import { IngestService } from '../../src/ingest/ingest-service.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { PgMetricStore } from '../../src/storage/postgres/pg-metric-store.js';
import { Tsdb } from '../../src/tsdb/tsdb.js';
import { WIDE_INGEST_LIMITS } from '../support/ingest-limits.js';

/** One replica's metric data path in this process: its pool, store, TSDB and ingest (no HTTP, no loops). */
export interface TsdbReplica {
  db: PgDatabase;
  store: PgMetricStore;
  tsdb: Tsdb;
  ingest: IngestService;
}

/**
 * Opens a replica's data path on `url` as the service builds it scaled out (truncation one checkpoint late,
 * ADR 0020), recovered from what the database holds, with ingest's clock fixed at `now`. The caller ends
 * `db`.
 */
export async function openTsdbReplica(url: string, now: number): Promise<TsdbReplica> {
  const db = new PgDatabase({ url, max: 4 });
  const store = new PgMetricStore(db);
  const tsdb = new Tsdb(store, { truncateOneCheckpointLate: true });
  await tsdb.recover();
  const ingest = new IngestService({
    tsdb,
    limits: WIDE_INGEST_LIMITS,
    isReservedName: () => false,
    clock: () => now,
  });
  return { db, store, tsdb, ingest };
}
