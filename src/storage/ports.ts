import type { FamilyDefinition, Labels, SeriesRole } from '../domain/metric.js';

/**
 * The persistence port of the metric store. The TSDB engine (src/tsdb) keeps the hot data in memory and
 * hands the store opaque, already-compressed blobs; an adapter only has to keep rows, so the embedded
 * SQLite store and a PostgreSQL store implement the same small contract and pass one shared spec.
 * Every method is async so a networked database fits without changing callers.
 */
export interface StoredFamily extends FamilyDefinition {
  createdAt: number;
}

export interface StoredSeries {
  id: number;
  family: string;
  labels: Labels;
  role: SeriesRole;
  /** Bucket upper bound for `bucket` series (Infinity for +Inf), null otherwise. */
  le: number | null;
  createdAt: number;
}

/** A compressed run of one series' samples (see storage/codec). Keyed by (seriesId, minT). */
export interface StoredChunk {
  seriesId: number;
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
}

/** What a checkpoint writes: chunks that are full for good, and the current open chunk of each series. */
export interface ChunkWrite {
  sealed: readonly StoredChunk[];
  open: readonly StoredChunk[];
}

/** One durable write-ahead record: the samples of one ingest request (see tsdb/wal-record.ts). */
export interface WalEntry {
  id: number;
  data: Uint8Array;
}

/** What one ingest request makes durable, in one transaction. */
export interface IngestCommit {
  families: readonly StoredFamily[];
  series: readonly StoredSeries[];
  samples: Uint8Array | null;
}

export interface StoreStats {
  /** Bytes of the database on disk, write-ahead files included. */
  bytesOnDisk: number;
  chunks: number;
  walEntries: number;
}

export interface MetricStore {
  /** Creates or upgrades the schema. Safe to call on every start. */
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  loadFamilies(): Promise<StoredFamily[]>;
  loadSeries(): Promise<StoredSeries[]>;
  /** The open chunk of every series at the last checkpoint. */
  loadLatestChunks(): Promise<StoredChunk[]>;
  /** Write-ahead records with id > afterId, oldest first, at most `limit`. */
  readWal(afterId: number, limit: number): Promise<WalEntry[]>;

  /** Durably records new families, new series and a batch of samples, all or nothing. */
  commit(commit: IngestCommit): Promise<void>;
  /** Highest write-ahead id written so far (0 when empty). */
  walHighWater(): Promise<number>;
  /**
   * In one transaction: appends sealed chunks (replacing one with the same series and minT, so a retried
   * checkpoint is harmless) and replaces each series' open chunk.
   */
  writeChunks(write: ChunkWrite): Promise<void>;
  /** Drops write-ahead records with id ≤ upToId: their samples are all in chunks now. */
  truncateWal(upToId: number): Promise<void>;

  /** Chunks of one series overlapping [from, to] whose minT is below `belowMinT`, ordered by minT. */
  readChunks(seriesId: number, from: number, to: number, belowMinT: number): Promise<StoredChunk[]>;

  /** Deletes at most `limit` chunks whose samples are all older than `cutoff`; returns how many. */
  deleteChunksBefore(cutoff: number, limit: number): Promise<number>;
  /** Deletes series and everything stored for them. */
  deleteSeries(ids: readonly number[]): Promise<void>;

  stats(): Promise<StoreStats>;
}
