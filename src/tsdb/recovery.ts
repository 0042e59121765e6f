import type { Labels } from '../domain/metric.js';
import { labelsKey } from '../domain/series-key.js';
import type { MetricStore, StoredSeries } from '../storage/ports.js';
import type { Heads } from './heads.js';
import { Family, LabelSet, type SeriesRegistry } from './registry.js';
import { forEachWalSample } from './wal-record.js';

const WAL_PAGE = 256;

export interface RecoveryResult {
  families: number;
  series: number;
  walRecords: number;
  walSamples: number;
}

/**
 * Rebuilds memory from the store on start: families and label sets, each head from its newest chunk,
 * then the write-ahead records not yet folded into chunks. Samples already in a chunk are skipped,
 * so replaying a record twice changes nothing.
 */
export async function recover(
  store: MetricStore,
  registry: SeriesRegistry,
  heads: Heads,
): Promise<RecoveryResult> {
  for (const stored of await store.loadFamilies()) {
    const { createdAt, ...def } = stored;
    registry.addFamily(new Family(def, createdAt));
  }
  const rows = await store.loadSeries();
  let series = 0;
  const sets: LabelSet[] = [];
  for (const group of groupByLabelSet(rows).values()) {
    const family = registry.families.get(group[0]!.family);
    if (family === undefined) continue;
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
    series += ordered.length;
  }

  for (const chunk of await store.loadLatestChunks()) {
    const head = heads.get(chunk.seriesId);
    if (head === undefined) continue;
    head.restore(chunk);
    noteValue(registry, chunk.seriesId, head.lastT, head.lastV);
  }

  let walRecords = 0;
  let walSamples = 0;
  for (let after = 0; ;) {
    const page = await store.readWal(after, WAL_PAGE);
    if (page.length === 0) break;
    for (const entry of page) {
      walRecords++;
      forEachWalSample(entry.data, (id, t, v) => {
        const head = heads.get(id);
        if (head === undefined || t < head.lastT) return;
        head.append(t, v);
        noteValue(registry, id, t, v);
        walSamples++;
      });
      after = entry.id;
    }
  }
  // Everything loaded is durable: visible to readers from now on.
  registry.commit([...registry.families.values()], sets);
  return { families: registry.families.size, series, walRecords, walSamples };
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
