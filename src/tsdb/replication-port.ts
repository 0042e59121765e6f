import type { StoredSeries, WalEntry } from '../storage/ports.js';

/** Write-ahead rows after a position, read in one snapshot with the primary's truncation horizon. */
export interface WalTail {
  /** The primary deleted every row up to this id (their samples are in chunks now). */
  truncatedTo: number;
  entries: WalEntry[];
}

/**
 * What the scaled-out mode needs of the metric store beyond `MetricStore` (ADR 0020): fenced writes for
 * the primary, and a tail of the write-ahead table for followers. Only the PostgreSQL store has it: the
 * embedded mode has one process and nothing to replicate.
 */
export interface ReplicatedWal {
  /**
   * From now on every write (commit, checkpoint, truncation, retention) carries this lease epoch and is
   * refused by the database once it is no longer current; `null` refuses every write at once (this
   * replica is not the primary).
   */
  fenceWrites(lease: string, epoch: number | null): void;
  /** Rows with id > afterId, oldest first (at most `limit`), and the truncation horizon of that snapshot. */
  readWalTail(afterId: number, limit: number): Promise<WalTail>;
  /** Series rows with id > afterId (those the primary created since a follower loaded its index). */
  loadSeriesAfter(afterId: number): Promise<StoredSeries[]>;
  /** Calls `wake` whenever a write-ahead row is committed (LISTEN); resolves to a function that stops. */
  listenWal(wake: () => void): Promise<() => Promise<void>>;
}

export function isReplicatedWal(store: object): store is ReplicatedWal {
  return 'fenceWrites' in store && 'readWalTail' in store && 'loadSeriesAfter' in store;
}
