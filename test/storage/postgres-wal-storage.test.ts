import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { PgMetricStore, WAL_TAIL_SQL } from '../../src/storage/postgres/pg-metric-store.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { type TestDatabase, createTestDatabase } from '../support/postgres.js';

const SKIP = await skipUnlessServers([POSTGRES]);

/** What a commit and a follower's tail read cost the server (ADR 0029). */
describe('write-ahead storage on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let db: PgDatabase;
  before(async () => {
    database = await createTestDatabase('walstorage');
    db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
  });
  after(async () => {
    await db.end();
    await database.drop();
  });

  it('stores records uncompressed, byte for byte', async () => {
    const { rows } = await db.query<{ attstorage: string }>(
      "SELECT attstorage FROM pg_attribute WHERE attrelid = 'wal'::regclass AND attname = 'data'",
    );
    assert.equal(rows[0]?.attstorage, 'e', 'wal.data is EXTERNAL (out of line, never pglz)');
    const store = new PgMetricStore(db);
    // A compressible record (a batch of one timestamp, small values), as large as a 500-sample request.
    const record = new Float64Array(1500).map((_, i) => (i % 3 === 1 ? 1.7e12 : i % 7));
    await store.commit({ families: [], series: [], samples: new Uint8Array(record.buffer) });
    const [row] = await db.rows<{ stored: number; raw: number }>(
      'SELECT pg_column_size(data) AS stored, octet_length(data) AS raw FROM wal',
    );
    assert.equal(row?.stored, row?.raw, 'not compressed');
    const tail = await store.readWalTail(0, 10);
    assert.deepEqual(new Float64Array(tail.entries[0]!.data.slice().buffer), record);
  });

  it('runs its statements without JIT compilation', async () => {
    const [row] = await db.rows<{ jit: string }>('SHOW jit');
    assert.equal(row?.jit, 'off');
    // The tail read's plan stays cheap even without statistics (it crossed jit_above_cost before).
    const plan = await db.rows<{ 'QUERY PLAN': string }>(`EXPLAIN ${WAL_TAIL_SQL}`, [0, 512]);
    const cost = Number(/cost=[\d.]+\.\.([\d.]+)/.exec(plan[0]!['QUERY PLAN'])?.[1]);
    assert.ok(cost < 100_000, `estimated cost ${String(cost)} below the default jit_above_cost`);
  });
});
