import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ChunkEncoder } from '../codec/chunk-encoder.js';
import { decodeChunk } from '../codec/chunk-decoder.js';
import type { StoredChunk } from '../ports.js';
import { migrate, migrateSqlite, MIGRATIONS } from './migrations.js';
import { openDatabase } from './open-database.js';
import { SqliteMetricStore } from './sqlite-metric-store.js';

function chunk(seriesId: number, start: number, count: number): StoredChunk {
  const enc = ChunkEncoder.forValue(1);
  for (let i = 0; i < count; i++) enc.append(start + i * 15_000, i);
  return { seriesId, minT: enc.minT, maxT: enc.maxT, count, data: enc.bytes() };
}

function openMigrated(file: string) {
  const db = openDatabase(file, 'normal');
  migrateSqlite(db);
  return db;
}

describe('SQLite migrations', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-migrate-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('moves version 1 chunks into sealed chunks and one open chunk per series, losing none', async () => {
    const file = join(dir, 'v1.db');
    const v1 = openDatabase(file, 'normal');
    migrate(v1, MIGRATIONS.slice(0, 1));
    const insert = v1.prepare(
      'INSERT INTO chunks (series_id, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?)',
    );
    const written = [chunk(1, 0, 240), chunk(1, 3_600_000, 240), chunk(1, 7_200_000, 10), chunk(2, 0, 5)];
    for (const c of written) insert.run(c.seriesId, c.minT, c.maxT, c.count, c.data);
    v1.close();

    const store = new SqliteMetricStore(openMigrated(file), file);
    try {
      const heads = (await store.loadLatestChunks()).sort((a, b) => a.seriesId - b.seriesId);
      assert.deepEqual(
        heads.map((c) => [c.seriesId, c.minT, c.count]),
        [
          [1, 7_200_000, 10],
          [2, 0, 5],
        ],
      );
      const all = await store.readChunks(1, 0, 10_000_000, Number.POSITIVE_INFINITY);
      assert.deepEqual(
        all.map((c) => c.minT),
        [0, 3_600_000, 7_200_000],
      );
      assert.equal(decodeChunk(all[1]!.data).t.length, 240);
      assert.equal((await store.stats()).chunks, 4);
    } finally {
      await store.close();
    }
  });

  it('keeps one row per series however often its open chunk is rewritten', async () => {
    const file = join(dir, 'heads.db');
    const store = new SqliteMetricStore(openMigrated(file), file);
    try {
      for (let n = 1; n <= 50; n++) {
        await store.writeChunks({ sealed: [], open: [chunk(7, 0, n), chunk(8, 0, n)] });
      }
      await store.writeChunks({ sealed: [chunk(7, 0, 60)], open: [chunk(7, 60 * 15_000, 1)] });
      const heads = await store.loadLatestChunks();
      assert.deepEqual(heads.map((c) => [c.seriesId, c.count]).sort(), [
        [7, 1],
        [8, 50],
      ]);
      const series7 = await store.readChunks(7, 0, 10_000_000, Number.POSITIVE_INFINITY);
      assert.deepEqual(
        series7.map((c) => c.count),
        [60, 1],
      );
    } finally {
      await store.close();
    }
  });

  it('runs each migration once: building the stores again touches no schema', async () => {
    const file = join(dir, 'once.db');
    const db = openMigrated(file);
    const versions = () =>
      (
        db.prepare('SELECT version FROM schema_migrations ORDER BY version').all() as { version: number }[]
      ).map((row) => row.version);
    assert.deepEqual(
      versions(),
      MIGRATIONS.map((_, i) => i + 1),
    );
    migrateSqlite(db); // a second start
    const store = new SqliteMetricStore(db, file);
    assert.equal(versions().length, MIGRATIONS.length);
    await store.close();
  });

  it('reads the chunks of many series over one range in one batch, each as readChunks does', async () => {
    const file = join(dir, 'batch.db');
    const store = new SqliteMetricStore(openMigrated(file), file);
    try {
      await store.writeChunks({
        sealed: [chunk(1, 0, 240), chunk(2, 0, 10)],
        open: [chunk(1, 3_600_000, 5), chunk(2, 150_000, 3)],
      });
      const from = 3_000_000;
      const to = 4_000_000;
      const reads = [
        { seriesId: 1, belowMinT: Number.POSITIVE_INFINITY },
        { seriesId: 2, belowMinT: Number.POSITIVE_INFINITY },
        { seriesId: 1, belowMinT: 3_600_000 },
        { seriesId: 99, belowMinT: Number.POSITIVE_INFINITY },
      ];
      const batch = await store.readChunksBatch(reads, from, to);
      assert.equal(batch.length, reads.length);
      for (const [i, read] of reads.entries()) {
        const one = await store.readChunks(read.seriesId, from, to, read.belowMinT);
        assert.deepEqual(
          batch[i]!.map((c) => [c.seriesId, c.minT, c.count]),
          one.map((c) => [c.seriesId, c.minT, c.count]),
        );
      }
      assert.deepEqual(
        batch[0]!.map((c) => c.minT),
        [0, 3_600_000],
      );
      assert.deepEqual(batch[3], []);
    } finally {
      await store.close();
    }
  });
});
