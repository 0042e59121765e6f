import type { Labels } from '../domain/metric.js';
import { labelsKey } from '../domain/series-key.js';
import type { MetricStore, StoredFamily, StoredSeries, WalEntry } from '../storage/ports.js';
import type { Heads } from './heads.js';
import { Family, LabelSet, type SeriesRegistry } from './registry.js';
import { forEachWalSample } from './wal-record.js';

const WAL_PAGE = 256;

export interface RecoveryResult {
  families: number;
  series: number;
  walRecords: number;
  walSamples: number;
  /** The id of the last write-ahead record replayed (0: none): where a follower's tail goes on from. */
  walPosition: number;
}

/**
 * Rebuilds memory from the store on start: families and label sets, each head from its newest chunk,
 * then the write-ahead records not yet folded into chunks. Samples already in a chunk are skipped,
 * so replaying a record twice changes nothing. `replayPage` applies a page of records: a replica next to
 * a writing primary passes one that first loads the series created after `loadSeries` (followWal).
 */
export async function recover(
  store: MetricStore,
  registry: SeriesRegistry,
  heads: Heads,
  replayPage: (entries: readonly WalEntry[]) => Promise<number> | number = (entries) =>
    replayWal(registry, heads, entries),
): Promise<RecoveryResult> {
  addFamilies(registry, await store.loadFamilies());
  const sets = addStoredSeries(registry, heads, await store.loadSeries());
  const series = sets.reduce((sum, set) => sum + set.ids.length, 0);

  for (const chunk of await store.loadLatestChunks()) {
    const head = heads.get(chunk.seriesId);
    if (head === undefined) continue;
    head.restore(chunk);
    noteValue(registry, chunk.seriesId, head.lastT, head.lastV);
  }

  let walRecords = 0;
  let walSamples = 0;
  let walPosition = 0;
  for (;;) {
    const page = await store.readWal(walPosition, WAL_PAGE);
    if (page.length === 0) break;
    walRecords += page.length;
    walSamples += await replayPage(page);
    walPosition = page[page.length - 1]!.id;
  }
  // Everything loaded is durable: visible to readers from now on.
  registry.commit([...registry.families.values()], sets);
  return { families: registry.families.size, series, walRecords, walSamples, walPosition };
}

/** Families not known yet (recovery: all of them; a follower: those the primary created since). */
export function addFamilies(registry: SeriesRegistry, stored: readonly StoredFamily[]): Family[] {
  const added: Family[] = [];
  for (const row of stored) {
    if (registry.families.has(row.name)) continue;
    const { createdAt, ...def } = row;
    const family = new Family(def, createdAt);
    registry.addFamily(family);
    added.push(family);
  }
  return added;
}

/** Label sets (with a head per series) for stored series rows of known families; returns the new sets. */
export function addStoredSeries(
  registry: SeriesRegistry,
  heads: Heads,
  rows: readonly StoredSeries[],
): LabelSet[] {
  const sets: LabelSet[] = [];
  for (const group of groupByLabelSet(rows).values()) {
    const family = registry.families.get(group[0]!.family);
    if (family === undefined || registry.slot(group[0]!.id) !== undefined) continue;
    const ordered = orderForFamily(group);
    const labels: Labels = Object.freeze({ ...group[0]!.labels });
    const set = new LabelSet(
      family,
      labelsKey(labels),
      labels,
      ordered.map((s) => s.id),
    );
    registry.addSet(set);
    sets.push(set);
    for (const s of ordered) {
      heads.ensure(s.id);
      registry.reserveIdsUpTo(s.id);
    }
  }
  return sets;
}

/**
 * Applies write-ahead records to the heads and the values readers see; samples not newer than a head's
 * newest are skipped, so a record applied twice changes nothing. Returns the samples applied.
 */
export function replayWal(registry: SeriesRegistry, heads: Heads, entries: readonly WalEntry[]): number {
  let samples = 0;
  for (const entry of entries) {
    forEachWalSample(entry.data, (id, t, v) => {
      // An id the log still names is never handed out again (a restarted primary would otherwise reuse
      // the id of a deleted newest series, and this record would then apply to the new one).
      registry.reserveIdsUpTo(Math.abs(id));
      if (id < 0) {
        deleteSeries(registry, heads, -id);
        return;
      }
      const head = heads.get(id);
      if (head === undefined || t < head.lastT) return;
      head.append(t, v, entry.id);
      noteValue(registry, id, t, v);
      samples++;
    });
  }
  return samples;
}

/**
 * A deletion record's series (ADR 0027): its whole label set leaves memory and /metrics, as on the
 * primary. At recovery the series rows are already gone, so nothing is found.
 */
function deleteSeries(registry: SeriesRegistry, heads: Heads, id: number): void {
  const slot = registry.slot(id);
  if (slot === undefined) {
    heads.drop([id]);
    return;
  }
  registry.removeSet(slot.set);
  heads.drop(slot.set.ids);
}

function noteValue(registry: SeriesRegistry, id: number, t: number, v: number): void {
  const slot = registry.slot(id);
  if (slot !== undefined) registry.setValue(slot.set, slot.index, t, v);
}

function groupByLabelSet(rows: readonly StoredSeries[]): Map<string, StoredSeries[]> {
  const groups = new Map<string, StoredSeries[]>();
  for (const row of rows) {
    const key = `${row.family}\xfd${labelsKey(row.labels)}`;
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  return groups;
}

/** Histogram series in the order LabelSet expects: buckets by bound (+Inf last), then sum, then count. */
function orderForFamily(group: StoredSeries[]): StoredSeries[] {
  if (group.length === 1) return group;
  const rank = (s: StoredSeries): number => (s.role === 'bucket' ? 0 : s.role === 'sum' ? 1 : 2);
  return group.slice().sort((a, b) => rank(a) - rank(b) || (a.le ?? 0) - (b.le ?? 0));
}
