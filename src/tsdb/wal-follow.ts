import type { MetricStore, WalEntry } from '../storage/ports.js';
import type { Heads } from './heads.js';
import { addFamilies, addStoredSeries, replayWal } from './recovery.js';
import type { SeriesRegistry } from './registry.js';
import type { ReplicatedWal } from './replication-port.js';
import { forEachWalSample } from './wal-record.js';

/**
 * Applies write-ahead records the primary committed to a follower's read-only head. A record may name
 * series the primary created after this follower loaded its index: their rows (committed in the same
 * statement as the record, so already visible) are loaded first, with any new family. Callers hold the
 * TSDB write lock. Returns the samples applied.
 */
export async function followWal(
  store: MetricStore & ReplicatedWal,
  registry: SeriesRegistry,
  heads: Heads,
  entries: readonly WalEntry[],
): Promise<number> {
  const known = registry.highestId;
  const unknown = entries.some((entry) => {
    let found = false;
    forEachWalSample(entry.data, (id) => {
      if (id > known && heads.get(id) === undefined) found = true;
    });
    return found;
  });
  if (unknown) {
    const rows = await store.loadSeriesAfter(registry.highestId);
    const families = rows.some((row) => !registry.families.has(row.family))
      ? addFamilies(registry, await store.loadFamilies())
      : [];
    const sets = addStoredSeries(registry, heads, rows);
    const samples = replayWal(registry, heads, entries);
    registry.commit(families, sets);
    return samples;
  }
  return replayWal(registry, heads, entries);
}
