import { DomainError, type Rejection } from '../domain/errors.js';
import type { MetricCategory } from '../domain/metric.js';
import type { StoredSeries } from '../storage/ports.js';
import type { LabelSet, SeriesRegistry } from '../tsdb/registry.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import type { IngestLimits } from './limits.js';
import { PendingWrite } from './pending-write.js';
import { resolveLabelSet, type Creations } from './resolve-sample.js';
import type { IngestSample } from './sample-schema.js';
import { cumulativeRejection, sampleTime, valueRejection } from './sample-values.js';

export interface RejectedItem extends Rejection {
  index: number;
}

export interface AcceptedSample {
  index: number;
  set: LabelSet;
  t: number;
}

export interface IngestOutcome {
  accepted: AcceptedSample[];
  rejected: RejectedItem[];
}

export interface IngestDeps {
  registry: SeriesRegistry;
  tsdb: Tsdb;
  limits: IngestLimits;
  isReservedName: (name: string, category: MetricCategory) => boolean;
  clock?: () => number;
  /** Told after every durable write (realtime and alerting listen here). */
  onAccepted?: (accepted: readonly AcceptedSample[]) => void;
}

/**
 * The write path: validate → limits → series registry → one durable store write → memory.
 * Nothing is visible or counted before the store has accepted the request's write-ahead record, and a
 * refused write leaves the registry as it was.
 */
export class IngestService {
  private readonly clock: () => number;

  constructor(private readonly deps: IngestDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /**
   * Ingests samples that already passed the schema (or carry their schema error in `preRejected`).
   * Items are applied in timestamp order, so an unsorted historical batch is not refused as out of order.
   */
  ingest(
    samples: readonly (IngestSample | undefined)[],
    category: MetricCategory,
    preRejected: readonly RejectedItem[] = [],
  ): Promise<IngestOutcome> {
    return this.deps.tsdb.lock.run(() => this.ingestLocked(samples, category, preRejected));
  }

  private async ingestLocked(
    samples: readonly (IngestSample | undefined)[],
    category: MetricCategory,
    preRejected: readonly RejectedItem[],
  ): Promise<IngestOutcome> {
    const { registry, limits } = this.deps;
    const now = this.clock();
    const created: Creations = { families: [], sets: [] };
    const ctx = { registry, limits, category, isReservedName: this.deps.isReservedName, now, created };
    const rejected: RejectedItem[] = [...preRejected];
    const accepted: AcceptedSample[] = [];
    const pending = new PendingWrite(samples.length);

    for (const index of timeOrder(samples, now)) {
      const sample = samples[index]!;
      const t = sampleTime(sample, now, limits);
      if (typeof t !== 'number') {
        rejected.push({ index, ...t });
        continue;
      }
      const set = resolveLabelSet(sample, ctx);
      if (!('ids' in set)) {
        rejected.push({ index, ...set });
        continue;
      }
      // Collectors' bucketed observations and exporters' histogram states carry no value of their own.
      const badValue =
        sample.cumulative !== undefined
          ? cumulativeRejection(set, sample)
          : sample.observations === undefined
            ? valueRejection(set.family.def.type, sample.value)
            : undefined;
      if (badValue !== undefined) {
        rejected.push({ index, ...badValue });
        continue;
      }
      const refused = pending.stage(set, t, sample);
      if (refused !== undefined) {
        rejected.push({ index, ...refused });
        continue;
      }
      pending.describe(set.family, sample);
      accepted.push({ index, set, t });
    }

    const families = created.families.filter((family) => family.sets.size > 0);
    for (const family of created.families) if (family.sets.size === 0) registry.removeFamily(family);
    const sets = created.sets.filter((set) => pending.touches(set));
    for (const set of created.sets) if (!pending.touches(set)) registry.removeSet(set);

    if (accepted.length > 0) {
      try {
        await this.deps.tsdb.store.commit({
          families: [...families, ...pending.redescribed(families)].map((family) =>
            pending.described(family),
          ),
          series: sets.flatMap((set) => seriesRecords(set, now)),
          samples: pending.wal.bytes(),
        });
      } catch (error) {
        for (const set of sets) registry.removeSet(set);
        // A store that says why (PostgreSQL gone: 503 store_unavailable) keeps its own answer.
        if (error instanceof DomainError) throw error;
        throw new DomainError('storage_unavailable', 503, `the store refused the write: ${String(error)}`);
      }
      for (const family of families) family.committed = true;
      for (const set of sets) set.committed = true;
      pending.apply(this.deps.tsdb);
      registry.version++;
      this.deps.onAccepted?.(accepted);
    }
    return { accepted: inIndexOrder(accepted), rejected: inIndexOrder(rejected) };
  }
}

/** Sample indexes sorted by timestamp (stable), so a batch's own order never causes an out-of-order refusal. */
function timeOrder(samples: readonly (IngestSample | undefined)[], now: number): number[] {
  const indexes: number[] = [];
  let anyTimestamp = false;
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index];
    if (sample === undefined) continue;
    indexes.push(index);
    if (sample.timestamp !== undefined) anyTimestamp = true;
  }
  if (!anyTimestamp) return indexes;
  const key = (i: number): number => {
    const ts = samples[i]!.timestamp;
    if (ts === undefined) return now;
    const t = typeof ts === 'number' ? ts : Date.parse(ts);
    return Number.isNaN(t) ? now : t;
  };
  return indexes.sort((a, b) => key(a) - key(b) || a - b);
}

/** Items sorted by index: usually already are (samples are applied in time order), and a sort allocates. */
function inIndexOrder<T extends { index: number }>(items: T[]): T[] {
  for (let i = 1; i < items.length; i++) {
    if (items[i - 1]!.index > items[i]!.index) return items.sort((a, b) => a.index - b.index);
  }
  return items;
}

function seriesRecords(set: LabelSet, now: number): StoredSeries[] {
  const def = set.family.def;
  const base = { family: def.name, labels: set.labels, createdAt: now };
  if (def.type !== 'histogram') return [{ ...base, id: set.ids[0]!, role: 'value', le: null }];
  const bounds = [...def.buckets, Number.POSITIVE_INFINITY];
  const records: StoredSeries[] = bounds.map((le, i) => ({ ...base, id: set.ids[i]!, role: 'bucket', le }));
  records.push({ ...base, id: set.ids[bounds.length]!, role: 'sum', le: null });
  records.push({ ...base, id: set.ids[bounds.length + 1]!, role: 'count', le: null });
  return records;
}
