import type { MetricStore } from '../storage/ports.js';
import { yieldToEventLoop } from '../support/periodic-task.js';
import type { Heads } from './heads.js';
import type { LabelSet, SeriesRegistry } from './registry.js';
import type { WriteLock } from './write-lock.js';

const SETS_PER_SLICE = 500;
const CHUNKS_PER_SLICE = 2000;

export interface RetentionResult {
  sets: number;
  chunks: number;
}

/**
 * Enforces METRICS_TTL in slices (each a short transaction, with a yield between), so it never holds
 * the event loop: label sets not written for the TTL leave memory, /metrics and the store (the stale
 * series Pushgateway users ask to expire), and chunks older than the TTL are deleted.
 */
export class Retention {
  constructor(
    private readonly store: MetricStore,
    private readonly registry: SeriesRegistry,
    private readonly heads: Heads,
    private readonly lock: WriteLock,
    private readonly ttlMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  async run(): Promise<RetentionResult> {
    const cutoff = this.clock() - this.ttlMs;
    let sets = 0;
    for (;;) {
      const removed = await this.lock.run(() => this.expireSlice(cutoff));
      sets += removed;
      if (removed < SETS_PER_SLICE) break;
      await yieldToEventLoop();
    }
    let chunks = 0;
    for (;;) {
      const deleted = await this.store.deleteChunksBefore(cutoff, CHUNKS_PER_SLICE);
      chunks += deleted;
      if (deleted < CHUNKS_PER_SLICE) break;
      await yieldToEventLoop();
    }
    return { sets, chunks };
  }

  private async expireSlice(cutoff: number): Promise<number> {
    const expired: LabelSet[] = [];
    outer: for (const family of this.registry.families.values()) {
      for (const set of family.sets.values()) {
        if (set.committed && set.lastT < cutoff) {
          expired.push(set);
          if (expired.length >= SETS_PER_SLICE) break outer;
        }
      }
    }
    if (expired.length === 0) return 0;
    await deleteLabelSets(this.store, this.registry, this.heads, expired);
    return expired.length;
  }
}

/**
 * Removes label sets from the store, memory and /metrics (retention; a deleted health-checked service).
 * Callers hold the TSDB write lock.
 */
export async function deleteLabelSets(
  store: MetricStore,
  registry: SeriesRegistry,
  heads: Heads,
  sets: readonly LabelSet[],
): Promise<void> {
  if (sets.length === 0) return;
  const ids = sets.flatMap((set) => set.ids);
  await store.deleteSeries(ids);
  for (const set of sets) registry.removeSet(set);
  heads.drop(ids);
}
