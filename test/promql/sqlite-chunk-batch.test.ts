import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { ChunkEncoder } from '../../src/storage/codec/chunk-encoder.js';
import type { StoredChunk } from '../../src/storage/ports.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../../src/storage/sqlite/sqlite-metric-store.js';

function chunk(seriesId: number, start: number, count: number): StoredChunk {
  const enc = ChunkEncoder.forValue(1);
  for (let i = 0; i < count; i++) enc.append(start + i * 10, i);
  return { seriesId, minT: enc.minT, maxT: enc.maxT, count, data: enc.bytes() };
}

const shape = (chunks: readonly StoredChunk[]) => chunks.map((c) => [c.seriesId, c.minT, c.maxT, c.count]);

/**
 * The SQLite store's one-statement batched read (what the PromQL engine's batches use) against its
 * per-series `readChunks`, on random layouts: sealed chunks (sometimes overlapping), an open chunk or not,
 * chunks in memory from some minT on, ranges before, across and after the data, unknown series.
 */
describe('SQLite readChunksBatch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'promql-chunk-batch-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers each read as readChunks does, in minT order', async () => {
    let run = 0;
    const layout = fc.array(
      fc.record({
        starts: fc.uniqueArray(fc.integer({ min: 0, max: 60 }), { maxLength: 6 }),
        open: fc.option(fc.integer({ min: 0, max: 70 }), { nil: undefined }),
        below: fc.option(fc.integer({ min: 0, max: 800 }), { nil: undefined }),
      }),
      { minLength: 1, maxLength: 8 },
    );
    const window = fc.tuple(fc.integer({ min: -50, max: 800 }), fc.integer({ min: 0, max: 400 }));
    await fc.assert(
      fc.asyncProperty(layout, window, async (series, [from, length]) => {
        const file = join(dir, `batch-${run++}.db`);
        const db = openDatabase(file, 'normal');
        migrateSqlite(db);
        const store = new SqliteMetricStore(db, file);
        try {
          const sealed: StoredChunk[] = [];
          const open: StoredChunk[] = [];
          series.forEach((s, i) => {
            // Chunks of 5 samples 10 ms apart starting every 10 ms step: some overlap their neighbours.
            for (const start of s.starts) sealed.push(chunk(i + 1, start * 10, 5));
            if (s.open !== undefined) open.push(chunk(i + 1, 700 + s.open * 10, 3));
          });
          await store.writeChunks({ sealed, open });
          const reads = series.map((s, i) => ({
            seriesId: i + 1,
            belowMinT: s.below ?? Number.POSITIVE_INFINITY,
          }));
          reads.push({ seriesId: 999, belowMinT: Number.POSITIVE_INFINITY });
          const to = from + length;
          const batch = await store.readChunksBatch(reads, from, to);
          assert.equal(batch.length, reads.length);
          for (const [i, read] of reads.entries()) {
            const one = await store.readChunks(read.seriesId, from, to, read.belowMinT);
            assert.deepEqual(shape(batch[i]!), shape(one));
            assert.deepEqual(
              batch[i]!.map((c) => [...c.data]),
              one.map((c) => [...c.data]),
            );
          }
        } finally {
          await store.close();
          rmSync(file, { force: true });
        }
      }),
      { numRuns: 150 },
    );
  });
});
