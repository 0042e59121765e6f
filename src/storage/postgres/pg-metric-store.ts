import type { MetricCategory, MetricType, SeriesRole } from '../../domain/metric.js';
import type {
  ChunkWrite,
  IngestCommit,
  MetricStore,
  StoreStats,
  StoredChunk,
  StoredFamily,
  StoredSeries,
  WalEntry,
} from '../ports.js';
import { NotPrimaryError } from '../../tsdb/not-primary.js';
import type { ReplicatedWal, WalTail } from '../../tsdb/replication-port.js';
import { deletionRecord } from '../../tsdb/wal-record.js';
import { type PgDatabase, type Queryable, asBuffer, bigintParam } from './pg-database.js';

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
interface ChunkRow {
  series_id: number;
  min_t: number;
  max_t: number;
  count: number;
  data: Buffer;
}

/** Rows per statement of a checkpoint: bounded statements, still a handful of round trips for 100k series. */
const CHECKPOINT_SLICE = 5000;

// One statement, so one round trip and atomic on its own: families (upserted), series, and the WAL record.
const COMMIT_SQL = `
  WITH f AS (
    INSERT INTO families (name, type, help, unit, category, buckets, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    ON CONFLICT (name) DO UPDATE SET help = excluded.help, unit = excluded.unit
  ), s AS (
    INSERT INTO series (id, family, labels, role, le, created_at)
    SELECT * FROM unnest($8::bigint[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::bigint[])
  )
  INSERT INTO wal (data) SELECT $14::bytea WHERE $14::bytea IS NOT NULL`;

/**
 * The same, fenced (ADR 0020): cluster_fence share-locks the lease row and raises unless epoch $16 of
 * lease $15 is current, so the statement commits only while this replica is the primary, and a takeover
 * (which updates that row) waits for it to end. pg_notify wakes the followers at commit.
 */
const FENCED_COMMIT_SQL = `
  WITH fence AS MATERIALIZED (SELECT cluster_fence($15::text, $16::bigint)), f AS (
    INSERT INTO families (name, type, help, unit, category, buckets, created_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[])
    ON CONFLICT (name) DO UPDATE SET help = excluded.help, unit = excluded.unit
  ), s AS (
    INSERT INTO series (id, family, labels, role, le, created_at)
    SELECT * FROM unnest($8::bigint[], $9::text[], $10::text[], $11::text[], $12::float8[], $13::bigint[])
  )
  INSERT INTO wal (data, epoch)
  SELECT $14::bytea, $16::bigint FROM fence, (SELECT pg_notify('metrics_wal', '')) AS notified
  WHERE $14::bytea IS NOT NULL`;

/**
 * A follower's tail read: the horizon and the records after $1. `LIMIT 1` on the one-row horizon: without
 * statistics the planner guessed 2,200 rows, costed the join past jit_above_cost and JIT-compiled every
 * tail read (~2.5 ms of backend CPU each, run by every follower at every commit); the pool also turns
 * JIT off (pg-database.ts).
 */
export const WAL_TAIL_SQL = `
  SELECT h.truncated_to, w.id, w.data FROM (SELECT truncated_to FROM wal_horizon LIMIT 1) h
  LEFT JOIN LATERAL (SELECT id, data FROM wal WHERE id > $1 ORDER BY id LIMIT $2) w ON true
  ORDER BY w.id`;

/** SQLSTATE of cluster_fence's refusal (src/cluster/pg-cluster-schema.ts). */
const FENCED_SQLSTATE = 'MS001';
const WAL_CHANNEL = 'metrics_wal';

const WRITE_CHUNKS_SQL = `
  WITH sealed AS (
    INSERT INTO chunks (series_id, min_t, max_t, count, data)
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::int[], $5::bytea[])
    ON CONFLICT (series_id, min_t) DO UPDATE SET max_t = excluded.max_t, count = excluded.count, data = excluded.data
  )
  INSERT INTO head_chunks (series_id, min_t, max_t, count, data)
  SELECT * FROM unnest($6::bigint[], $7::bigint[], $8::bigint[], $9::int[], $10::bytea[])
  ON CONFLICT (series_id) DO UPDATE
    SET min_t = excluded.min_t, max_t = excluded.max_t, count = excluded.count, data = excluded.data`;

// Chunks overlapping [from, to], plus the newest one before `from` (for values carried forward).
const READ_CHUNKS_SQL = `
  WITH own AS (
    SELECT series_id, min_t, max_t, count, data FROM chunks WHERE series_id = $1 AND min_t < $2
    UNION ALL
    SELECT series_id, min_t, max_t, count, data FROM head_chunks WHERE series_id = $1 AND min_t < $2)
  SELECT * FROM own
  WHERE min_t <= $4 AND (max_t >= $3 OR min_t = (SELECT MAX(min_t) FROM own WHERE min_t < $3))
  ORDER BY min_t`;

// The same for many series in one statement (one snapshot, one round trip), tagged with their position.
const READ_CHUNKS_BATCH_SQL = `
  SELECT r.i, o.series_id, o.min_t, o.max_t, o.count, o.data
  FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS r(series_id, below, i)
  CROSS JOIN LATERAL (
    SELECT series_id, min_t, max_t, count, data FROM chunks WHERE series_id = r.series_id AND min_t < r.below
    UNION ALL
    SELECT series_id, min_t, max_t, count, data FROM head_chunks WHERE series_id = r.series_id AND min_t < r.below
  ) o
  WHERE o.min_t <= $4 AND (o.max_t >= $3 OR o.min_t = (
    SELECT MAX(m.min_t) FROM (
      SELECT min_t FROM chunks WHERE series_id = r.series_id AND min_t < LEAST(r.below, $3)
      UNION ALL
      SELECT min_t FROM head_chunks WHERE series_id = r.series_id AND min_t < LEAST(r.below, $3)) m))
  ORDER BY r.i, o.min_t`;

/**
 * The MetricStore on PostgreSQL. Same layout as the embedded store (sealed chunks keyed by series and
 * minT, one open chunk per series), written in batches: an ingest commit is one statement, a checkpoint
 * one statement per CHECKPOINT_SLICE rows, never a round trip per row.
 */
export class PgMetricStore implements MetricStore, ReplicatedWal {
  /** Unset: writes unfenced (one process on PostgreSQL). Null: writes refused (a follower). */
  private fence: { lease: string; epoch: number } | null | undefined;

  constructor(private readonly db: PgDatabase) {}

  fenceWrites(lease: string, epoch: number | null): void {
    this.fence = epoch === null ? null : { lease, epoch };
  }

  async readWalTail(afterId: number, limit: number): Promise<WalTail> {
    // One statement, one snapshot: a truncation is either wholly before it (horizon moved) or after it.
    const rows = await this.db.rows<{ truncated_to: number; id: number | null; data: Buffer | null }>(
      WAL_TAIL_SQL,
      [afterId, limit],
    );
    const entries: WalEntry[] = [];
    for (const row of rows)
      if (row.id !== null && row.data !== null) entries.push({ id: row.id, data: toBytes(row.data) });
    return { truncatedTo: rows[0]?.truncated_to ?? 0, entries };
  }

  async listenWal(wake: () => void): Promise<() => Promise<void>> {
    const client = await this.db.pool.connect();
    const onNotification = (message: { channel: string }): void => {
      if (message.channel === WAL_CHANNEL) wake();
    };
    // A lost connection: the tailer's poll keeps it going; the error must not crash the process.
    const onError = (): void => undefined;
    client.on('notification', onNotification);
    client.on('error', onError);
    await client.query(`LISTEN ${WAL_CHANNEL}`);
    return async () => {
      client.off('notification', onNotification);
      await client.query(`UNLISTEN ${WAL_CHANNEL}`).catch(() => undefined);
      client.off('error', onError);
      client.release();
    };
  }

  /** Runs a write under the fence: in one transaction that starts with cluster_fence when fenced. */
  private async fenced<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    const fence = this.requireFence();
    if (fence === undefined) return this.db.transaction(work);
    try {
      return await this.db.transaction(async (client) => {
        await client.query('SELECT cluster_fence($1::text, $2::bigint)', [fence.lease, fence.epoch]);
        return work(client);
      });
    } catch (error) {
      throw refusedByFence(error, fence.epoch);
    }
  }

  private requireFence(): { lease: string; epoch: number } | undefined {
    if (this.fence === null) throw new NotPrimaryError('it does not hold the primary lease');
    return this.fence;
  }

  async ping(): Promise<void> {
    await this.db.query('SELECT 1');
  }

  close(): Promise<void> {
    return this.db.end();
  }

  async loadFamilies(): Promise<StoredFamily[]> {
    const rows = await this.db.rows<FamilyRow>('SELECT * FROM families ORDER BY name');
    return rows.map((row) => ({
      name: row.name,
      type: row.type as MetricType,
      help: row.help,
      unit: row.unit,
      category: row.category as MetricCategory,
      buckets: JSON.parse(row.buckets) as number[],
      createdAt: row.created_at,
    }));
  }

  async loadSeries(): Promise<StoredSeries[]> {
    return this.loadSeriesAfter(0);
  }

  async loadSeriesAfter(afterId: number): Promise<StoredSeries[]> {
    const rows = await this.db.rows<SeriesRow>('SELECT * FROM series WHERE id > $1 ORDER BY id', [afterId]);
    return rows.map((row) => ({
      id: row.id,
      family: row.family,
      labels: JSON.parse(row.labels) as Record<string, string>,
      role: row.role as SeriesRole,
      le: row.le,
      createdAt: row.created_at,
    }));
  }

  async loadLatestChunks(): Promise<StoredChunk[]> {
    const rows = await this.db.rows<ChunkRow>(
      'SELECT series_id, min_t, max_t, count, data FROM head_chunks ORDER BY series_id',
    );
    return rows.map(toChunk);
  }

  async readWal(afterId: number, limit: number): Promise<WalEntry[]> {
    const rows = await this.db.rows<{ id: number; data: Buffer }>(
      'SELECT id, data FROM wal WHERE id > $1 ORDER BY id LIMIT $2',
      [afterId, limit],
    );
    return rows.map((row) => ({ id: row.id, data: toBytes(row.data) }));
  }

  async commit(commit: IngestCommit): Promise<void> {
    // A family listed twice would make ON CONFLICT touch one row twice; the last description wins.
    const families = [...new Map(commit.families.map((f) => [f.name, f])).values()];
    const { series } = commit;
    const fence = this.requireFence();
    const params = [
      families.map((f) => f.name),
      families.map((f) => f.type),
      families.map((f) => f.help),
      families.map((f) => f.unit),
      families.map((f) => f.category),
      families.map((f) => JSON.stringify(f.buckets)),
      families.map((f) => f.createdAt),
      series.map((s) => s.id),
      series.map((s) => s.family),
      series.map((s) => JSON.stringify(s.labels)),
      series.map((s) => s.role),
      series.map((s) => s.le),
      series.map((s) => s.createdAt),
      commit.samples === null ? null : asBuffer(commit.samples),
    ];
    if (fence === undefined) {
      await this.db.query(COMMIT_SQL, params);
      return;
    }
    try {
      await this.db.query(FENCED_COMMIT_SQL, [...params, fence.lease, fence.epoch]);
    } catch (error) {
      throw refusedByFence(error, fence.epoch);
    }
  }

  async walHighWater(): Promise<number> {
    const [row] = await this.db.rows<{ id: number | null }>('SELECT MAX(id) AS id FROM wal');
    return row?.id ?? 0;
  }

  async writeChunks(write: ChunkWrite): Promise<void> {
    // The same key twice in one statement is refused by ON CONFLICT DO UPDATE: the last write wins.
    const sealed = [
      ...new Map(write.sealed.map((c) => [`${String(c.seriesId)}:${String(c.minT)}`, c])).values(),
    ];
    const open = [...new Map(write.open.map((c) => [c.seriesId, c])).values()];
    const slices = Math.max(1, Math.ceil(Math.max(sealed.length, open.length) / CHECKPOINT_SLICE));
    const slice = (i: number): unknown[] => {
      const part = (chunks: readonly StoredChunk[]): StoredChunk[] =>
        chunks.slice(i * CHECKPOINT_SLICE, (i + 1) * CHECKPOINT_SLICE);
      return [...chunkColumns(part(sealed)), ...chunkColumns(part(open))];
    };
    await this.fenced(async (client: Queryable) => {
      for (let i = 0; i < slices; i++) await client.query(WRITE_CHUNKS_SQL, slice(i));
    });
  }

  async truncateWal(upToId: number): Promise<void> {
    // The horizon moves in the same transaction: a follower sees the rows or learns they are gone.
    await this.fenced(async (client) => {
      await client.query('UPDATE wal_horizon SET truncated_to = GREATEST(truncated_to, $1)', [upToId]);
      await client.query('DELETE FROM wal WHERE id <= $1', [upToId]);
    });
  }

  async readChunks(seriesId: number, from: number, to: number, belowMinT: number): Promise<StoredChunk[]> {
    const rows = await this.db.rows<ChunkRow>(READ_CHUNKS_SQL, [
      seriesId,
      bigintParam(belowMinT),
      bigintParam(from),
      bigintParam(to),
    ]);
    return rows.map(toChunk);
  }

  /** readChunks of many series over one range, in one statement; the answer is aligned with `reads`. */
  async readChunksBatch(
    reads: readonly { seriesId: number; belowMinT: number }[],
    from: number,
    to: number,
  ): Promise<StoredChunk[][]> {
    const result: StoredChunk[][] = reads.map(() => []);
    if (reads.length === 0) return result;
    const rows = await this.db.rows<ChunkRow & { i: number }>(READ_CHUNKS_BATCH_SQL, [
      reads.map((r) => r.seriesId),
      reads.map((r) => bigintParam(r.belowMinT)),
      bigintParam(from),
      bigintParam(to),
    ]);
    for (const row of rows) result[row.i - 1]!.push(toChunk(row));
    return result;
  }

  async deleteChunksBefore(cutoff: number, limit: number): Promise<number> {
    return this.fenced(async (client) => {
      const sealed = (
        await client.query(
          'DELETE FROM chunks WHERE ctid = ANY(ARRAY(SELECT ctid FROM chunks WHERE max_t < $1 LIMIT $2))',
          [cutoff, limit],
        )
      ).rowCount;
      const deleted = sealed ?? 0;
      if (deleted >= limit) return deleted;
      const heads = (
        await client.query(
          'DELETE FROM head_chunks WHERE ctid = ANY(ARRAY(SELECT ctid FROM head_chunks WHERE max_t < $1 LIMIT $2))',
          [cutoff, limit - deleted],
        )
      ).rowCount;
      return deleted + (heads ?? 0);
    });
  }

  async deleteSeries(ids: readonly number[]): Promise<void> {
    const epoch = this.fence?.epoch ?? null;
    await this.fenced(async (client) => {
      // A deletion record in the same transaction (ADR 0027): followers drop the series when they reach
      // it in commit order, and one that reloads instead finds the rows gone with it.
      await client.query(
        `INSERT INTO wal (data, epoch) SELECT $1::bytea, $2::bigint FROM (SELECT pg_notify('${WAL_CHANNEL}', '')) n`,
        [asBuffer(deletionRecord(ids)), epoch],
      );
      await client.query('DELETE FROM chunks WHERE series_id = ANY($1::bigint[])', [ids]);
      await client.query('DELETE FROM head_chunks WHERE series_id = ANY($1::bigint[])', [ids]);
      await client.query('DELETE FROM series WHERE id = ANY($1::bigint[])', [ids]);
      await client.query(
        'DELETE FROM families f WHERE NOT EXISTS (SELECT 1 FROM series s WHERE s.family = f.name)',
      );
    });
  }

  async stats(): Promise<StoreStats> {
    const [row] = await this.db.rows<{ bytes: number; chunks: number; wal: number }>(
      `SELECT pg_database_size(current_database()) AS bytes,
         (SELECT count(*) FROM chunks) + (SELECT count(*) FROM head_chunks) AS chunks,
         (SELECT count(*) FROM wal) AS wal`,
    );
    return { bytesOnDisk: row?.bytes ?? 0, chunks: row?.chunks ?? 0, walEntries: row?.wal ?? 0 };
  }
}

/** The fence's refusal as a NotPrimaryError (503); any other error unchanged. */
function refusedByFence(error: unknown, epoch: number): unknown {
  if ((error as { code?: unknown }).code !== FENCED_SQLSTATE) return error;
  return new NotPrimaryError(`epoch ${String(epoch)} was deposed`);
}

function chunkColumns(chunks: readonly StoredChunk[]): unknown[] {
  return [
    chunks.map((c) => c.seriesId),
    chunks.map((c) => c.minT),
    chunks.map((c) => c.maxT),
    chunks.map((c) => c.count),
    chunks.map((c) => asBuffer(c.data)),
  ];
}

function toBytes(data: Buffer): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function toChunk(row: ChunkRow): StoredChunk {
  return {
    seriesId: row.series_id,
    minT: row.min_t,
    maxT: row.max_t,
    count: row.count,
    data: toBytes(row.data),
  };
}
