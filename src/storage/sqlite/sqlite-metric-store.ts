import type Database from 'better-sqlite3';
import { statSync } from 'node:fs';
import type { MetricCategory, MetricType, SeriesRole } from '../../domain/metric.js';
import type {
  ChunkRead,
  ChunkWrite,
  IngestCommit,
  MetricStore,
  StoreStats,
  StoredChunk,
  StoredFamily,
  StoredSeries,
  WalEntry,
} from '../ports.js';
import { releaseFreePages } from './open-database.js';

interface FamilyRow {
  name: string;
  type: string;
  help: string;
  unit: string;
  category: string;
  buckets: string;
  created_at: number;
}
interface SeriesRow {
  id: number;
  family: string;
  labels: string;
  role: string;
  le: number | null;
  created_at: number;
}
/** A row of the batched chunk read: the read's index, min_t, max_t, count, data. */
type BatchChunkRow = [number, number, number, number, Buffer];
interface ChunkRow {
  series_id: number;
  min_t: number;
  max_t: number;
  count: number;
  data: Buffer;
}

/**
 * The embedded MetricStore. better-sqlite3 is synchronous, which is what makes an acknowledged write
 * durable before the HTTP answer leaves; write transactions are IMMEDIATE so they never deadlock on upgrade.
 */
export class SqliteMetricStore implements MetricStore {
  private readonly stmts;
  /**
   * One request's write in one transaction, its function made once: better-sqlite3's `transaction()`
   * builds a wrapper and its BEGIN/COMMIT statements on each call, and this runs for every ingest request.
   */
  private readonly commitWrite: Database.Transaction<(commit: IngestCommit) => void>;

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {
    this.stmts = {
      insertFamily: db.prepare(
        `INSERT INTO families (name, type, help, unit, category, buckets, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET help = excluded.help, unit = excluded.unit`,
      ),
      insertSeries: db.prepare(
        'INSERT INTO series (id, family, labels, role, le, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ),
      insertWal: db.prepare('INSERT INTO wal (data) VALUES (?)'),
      upsertChunk: db.prepare(
        'INSERT OR REPLACE INTO chunks (series_id, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?)',
      ),
      upsertHeadChunk: db.prepare(
        'INSERT OR REPLACE INTO head_chunks (series_id, min_t, max_t, count, data) VALUES (?, ?, ?, ?, ?)',
      ),
      // Chunks overlapping [from, to], plus the newest one before `from` (for values carried forward).
      readChunks: db.prepare(
        `WITH own AS (
           SELECT series_id, min_t, max_t, count, data FROM chunks WHERE series_id = @id AND min_t < @below
           UNION ALL
           SELECT series_id, min_t, max_t, count, data FROM head_chunks WHERE series_id = @id AND min_t < @below)
         SELECT * FROM own
         WHERE min_t <= @to AND (max_t >= @from OR min_t = (SELECT MAX(min_t) FROM own WHERE min_t < @from))
         ORDER BY min_t`,
      ),
      // readChunks of a batch of series in one statement (rows as arrays: no object per row). `@reads` is a
      // JSON array of [seriesId, belowMinT]; a row's first column is its read's index in that array. `lo`:
      // the newest chunk before @from of the series, the one read for the value carried forward. Rows come
      // in no promised order; readChunksBatch sorts a series' list when it has to.
      readChunksBatch: db
        .prepare(
          `WITH r AS (SELECT key AS i, value ->> 0 AS sid, value ->> 1 AS below FROM json_each(@reads)),
           b AS MATERIALIZED (
             SELECT i, sid, below, MAX(COALESCE(s, h), COALESCE(h, s)) AS lo FROM (
               SELECT i, sid, below,
                 (SELECT MAX(min_t) FROM chunks WHERE series_id = r.sid AND min_t < @from AND min_t < r.below) AS s,
                 (SELECT min_t FROM head_chunks WHERE series_id = r.sid AND min_t < @from AND min_t < r.below) AS h
               FROM r))
           SELECT b.i, c.min_t, c.max_t, c.count, c.data FROM b CROSS JOIN chunks c ON c.series_id = b.sid
             WHERE c.min_t < b.below AND c.min_t <= @to AND (c.max_t >= @from OR c.min_t = b.lo)
           UNION ALL
           SELECT b.i, h.min_t, h.max_t, h.count, h.data FROM b CROSS JOIN head_chunks h ON h.series_id = b.sid
             WHERE h.min_t < b.below AND h.min_t <= @to AND (h.max_t >= @from OR h.min_t = b.lo)`,
        )
        .raw(),
      deleteOld: db.prepare('DELETE FROM chunks WHERE id IN (SELECT id FROM chunks WHERE max_t < ? LIMIT ?)'),
      deleteOldHeads: db.prepare(
        'DELETE FROM head_chunks WHERE id IN (SELECT id FROM head_chunks WHERE max_t < ? LIMIT ?)',
      ),
      deleteSeriesChunks: db.prepare('DELETE FROM chunks WHERE series_id = ?'),
      deleteSeriesHead: db.prepare('DELETE FROM head_chunks WHERE series_id = ?'),
      deleteSeries: db.prepare('DELETE FROM series WHERE id = ?'),
      deleteEmptyFamilies: db.prepare(
        'DELETE FROM families WHERE name NOT IN (SELECT DISTINCT family FROM series)',
      ),
    };
    this.commitWrite = db.transaction((commit: IngestCommit) => {
      const { insertFamily, insertSeries, insertWal } = this.stmts;
      for (const f of commit.families) {
        insertFamily.run(f.name, f.type, f.help, f.unit, f.category, JSON.stringify(f.buckets), f.createdAt);
      }
      for (const s of commit.series) {
        insertSeries.run(s.id, s.family, JSON.stringify(s.labels), s.role, s.le, s.createdAt);
      }
      if (commit.samples !== null) insertWal.run(commit.samples);
    });
  }

  ping(): Promise<void> {
    this.db.prepare('SELECT 1').get();
    return Promise.resolve();
  }

  close(): Promise<void> {
    if (this.db.open) {
      // Give free pages back and fold the -wal file into the database, so a copied file is complete on its
      // own and no larger than its data.
      releaseFreePages(this.db, Number.MAX_SAFE_INTEGER);
      this.db.pragma('wal_checkpoint(TRUNCATE)');
      this.db.close();
    }
    return Promise.resolve();
  }

  loadFamilies(): Promise<StoredFamily[]> {
    const rows = this.db.prepare('SELECT * FROM families').all() as FamilyRow[];
    return Promise.resolve(
      rows.map((row) => ({
        name: row.name,
        type: row.type as MetricType,
        help: row.help,
        unit: row.unit,
        category: row.category as MetricCategory,
        buckets: JSON.parse(row.buckets) as number[],
        createdAt: row.created_at,
      })),
    );
  }

  loadSeries(): Promise<StoredSeries[]> {
    const rows = this.db.prepare('SELECT * FROM series ORDER BY id').all() as SeriesRow[];
    return Promise.resolve(
      rows.map((row) => ({
        id: row.id,
        family: row.family,
        labels: JSON.parse(row.labels) as Record<string, string>,
        role: row.role as SeriesRole,
        le: row.le,
        createdAt: row.created_at,
      })),
    );
  }

  loadLatestChunks(): Promise<StoredChunk[]> {
    const rows = this.db
      .prepare('SELECT series_id, min_t, max_t, count, data FROM head_chunks')
      .all() as ChunkRow[];
    return Promise.resolve(rows.map(toChunk));
  }

  readWal(afterId: number, limit: number): Promise<WalEntry[]> {
    const rows = this.db
      .prepare('SELECT id, data FROM wal WHERE id > ? ORDER BY id LIMIT ?')
      .all(afterId, limit) as {
      id: number;
      data: Buffer;
    }[];
    return Promise.resolve(rows.map((row) => ({ id: row.id, data: new Uint8Array(row.data) })));
  }

  commit(commit: IngestCommit): Promise<void> {
    this.commitWrite.immediate(commit);
    return Promise.resolve();
  }

  walHighWater(): Promise<number> {
    const row = this.db.prepare('SELECT MAX(id) AS id FROM wal').get() as { id: number | null };
    return Promise.resolve(row.id ?? 0);
  }

  writeChunks(write: ChunkWrite): Promise<void> {
    const { upsertChunk, upsertHeadChunk } = this.stmts;
    this.db
      .transaction(() => {
        for (const c of write.sealed) upsertChunk.run(c.seriesId, c.minT, c.maxT, c.count, c.data);
        for (const c of write.open) upsertHeadChunk.run(c.seriesId, c.minT, c.maxT, c.count, c.data);
      })
      .immediate();
    return Promise.resolve();
  }

  truncateWal(upToId: number): Promise<void> {
    this.db.prepare('DELETE FROM wal WHERE id <= ?').run(upToId);
    return Promise.resolve();
  }

  readChunks(seriesId: number, from: number, to: number, belowMinT: number): Promise<StoredChunk[]> {
    const rows = this.stmts.readChunks.all({ id: seriesId, below: belowMinT, from, to }) as ChunkRow[];
    return Promise.resolve(rows.map(toChunk));
  }

  readChunksBatch(reads: readonly ChunkRead[], from: number, to: number): Promise<StoredChunk[][]> {
    const result: StoredChunk[][] = reads.map(() => []);
    if (reads.length === 0) return Promise.resolve(result);
    // One statement for the whole batch: per-series statements cost a statement run and a row object per
    // chunk, about a fifth of a 10,000-series range query. A single statement also reads one snapshot.
    const rows = this.stmts.readChunksBatch.all({
      reads: JSON.stringify(reads.map((r) => [r.seriesId, Math.min(r.belowMinT, Number.MAX_SAFE_INTEGER)])),
      from,
      to,
    }) as BatchChunkRow[];
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r]!;
      const i = row[0];
      // The row's Buffer is its own copy of the blob (and a Uint8Array): no view to make per chunk.
      result[i]!.push({
        seriesId: reads[i]!.seriesId,
        minT: row[1],
        maxT: row[2],
        count: row[3],
        data: row[4],
      });
    }
    for (const list of result) if (!ascending(list)) list.sort((a, b) => a.minT - b.minT);
    return Promise.resolve(result);
  }

  deleteChunksBefore(cutoff: number, limit: number): Promise<number> {
    const { deleteOld, deleteOldHeads } = this.stmts;
    const sealed = deleteOld.run(cutoff, limit).changes;
    const heads = sealed < limit ? deleteOldHeads.run(cutoff, limit - sealed).changes : 0;
    // Expired data gives its disk space back, a slice at a time (a chunk row is well under a page).
    if (sealed + heads > 0) releaseFreePages(this.db, limit);
    return Promise.resolve(sealed + heads);
  }

  deleteSeries(ids: readonly number[]): Promise<void> {
    const { deleteSeriesChunks, deleteSeriesHead, deleteSeries, deleteEmptyFamilies } = this.stmts;
    this.db
      .transaction(() => {
        for (const id of ids) {
          deleteSeriesChunks.run(id);
          deleteSeriesHead.run(id);
          deleteSeries.run(id);
        }
        deleteEmptyFamilies.run();
      })
      .immediate();
    return Promise.resolve();
  }

  stats(): Promise<StoreStats> {
    const chunks = (
      this.db
        .prepare('SELECT (SELECT COUNT(*) FROM chunks) + (SELECT COUNT(*) FROM head_chunks) AS n')
        .get() as { n: number }
    ).n;
    const walEntries = (this.db.prepare('SELECT COUNT(*) AS n FROM wal').get() as { n: number }).n;
    return Promise.resolve({
      bytesOnDisk: fileBytes(this.file) + fileBytes(`${this.file}-wal`),
      chunks,
      walEntries,
    });
  }
}

function toChunk(row: ChunkRow): StoredChunk {
  return {
    seriesId: row.series_id,
    minT: row.min_t,
    maxT: row.max_t,
    count: row.count,
    data: new Uint8Array(row.data.buffer, row.data.byteOffset, row.data.byteLength),
  };
}

function ascending(chunks: readonly StoredChunk[]): boolean {
  for (let i = 1; i < chunks.length; i++) if (chunks[i - 1]!.minT > chunks[i]!.minT) return false;
  return true;
}

function fileBytes(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
