import type { MetricStore, StoredChunk } from '../storage/ports.js';
import { yieldToEventLoop } from '../support/periodic-task.js';
import type { Heads } from './heads.js';
import type { SeriesHead } from './series-head.js';
import type { WriteLock } from './write-lock.js';

/** Heads written per transaction: small enough to keep each slice well under the 50 ms stall budget. */
const HEADS_PER_SLICE = 2000;

export interface CheckpointResult {
  heads: number;
  chunks: number;
  walTruncatedTo: number;
}

/**
 * Folds every dirty head into chunks, then drops the write-ahead records those chunks now cover.
 * The high-water mark and the dirty list are taken under the write lock, so every sample in a record
 * up to the mark is in a head of the list. The writes themselves go slice by slice outside the lock.
 */
export async function checkpoint(
  store: MetricStore,
  heads: Heads,
  lock: WriteLock,
  truncationPoint: (cutoff: number) => number = (cutoff) => cutoff,
): Promise<CheckpointResult> {
  const { cutoff, dirty } = await lock.run(async () => ({
    cutoff: await store.walHighWater(),
    dirty: heads.dirty(),
  }));
  let chunks = 0;
  for (let start = 0; start < dirty.length; start += HEADS_PER_SLICE) {
    chunks += await writeSlice(store, dirty.slice(start, start + HEADS_PER_SLICE));
    await yieldToEventLoop();
  }
  const truncateTo = truncationPoint(cutoff);
  if (truncateTo > 0) await store.truncateWal(truncateTo);
  return { heads: dirty.length, chunks, walTruncatedTo: truncateTo };
}

async function writeSlice(store: MetricStore, heads: readonly SeriesHead[]): Promise<number> {
  const snapshots = heads.map((head) => ({ head, ...head.snapshot() }));
  const sealed: StoredChunk[] = snapshots.flatMap((s) => s.sealed);
  const open: StoredChunk[] = [];
  for (const s of snapshots) if (s.open !== null) open.push(s.open);
  await store.writeChunks({ sealed, open });
  for (const s of snapshots) s.head.persisted(s.token);
  return sealed.length + open.length;
}
