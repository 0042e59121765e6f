import type { FamilyDefinition, Labels } from '../domain/metric.js';
import { labelsKey } from '../domain/series-key.js';
import type { StoredFamily, StoredSeries } from '../storage/ports.js';
import type { GroupCommit } from './group-commit.js';
import type { Heads } from './heads.js';
import type { FamilyView, LabelSetView } from './read-port.js';
import { Family, LabelSet, type SeriesRegistry } from './registry.js';
import { WalRecordBuilder } from './wal-record.js';

interface Metadata {
  help: string;
  unit: string;
}

/**
 * The write side of the TSDB (Prometheus' `Appender`): one per ingest request, used under the TSDB's
 * write lock (see `Tsdb.append`). It finds or creates families and label sets, stages samples (absolute
 * values: the caller computes counter totals), then `commit()` makes them durable in a store write and
 * only then visible to readers; families and sets it created that got no sample, or all of them when the
 * store refuses the write, are removed again. The store write is a group commit (ADR 0029): `commit()`
 * leaves its values pending on the sets, hands its write to the group and releases the write lock, so
 * the next appender stages on those pending values while the write is in flight. Every sample of a
 * histogram label set is written for every series of the set, changed or not: PromQL's lookback treats
 * a series without a recent sample as absent.
 */
export class Appender {
  private readonly wal: WalRecordBuilder;
  /**
   * The sets this append staged a sample of; what it staged is on each set (`stagedBy` this appender,
   * `stagedT`, `stagedValue` for a counter or gauge, `stagedValues` for a histogram): a field read per
   * sample instead of a Map lookup and insert (the write lock makes one appender at a time stage).
   */
  private readonly staged: LabelSet[];
  /** Sets in `staged`: sized for the expected samples up front (push grew it a few times a batch). */
  private stagedCount = 0;
  private readonly metadata = new Map<Family, Metadata>();
  private readonly createdFamilies: Family[] = [];
  private readonly createdSets: LabelSet[] = [];
  private done = false;
  /** The group commit's generation when this append began: a failed write since voids what it read. */
  private readonly generation: number;

  constructor(
    private readonly registry: SeriesRegistry,
    private readonly heads: Heads,
    private readonly commits: GroupCommit,
    readonly now: number,
    expectedSamples: number,
    /** Called with the durable write once handed to the group: releases the write lock. */
    private readonly handOff: (durable: Promise<void>) => void,
  ) {
    this.wal = new WalRecordBuilder(expectedSamples);
    this.generation = commits.generation;
    this.staged = new Array<LabelSet>(expectedSamples);
  }

  /** Numeric series held, this append's new ones included (what MAX_ACTIVE_SERIES counts). */
  get activeSeries(): number {
    return this.registry.activeSeries;
  }

  /** The family of that name, committed or created by this append. */
  family(name: string): FamilyView | undefined {
    return this.registry.families.get(name);
  }

  /** The existing family whose exposed names overlap those of a new family, if any. */
  conflictingFamily(name: string, type: FamilyDefinition['type']): string | undefined {
    return this.registry.conflictingFamily(name, type);
  }

  createFamily(def: FamilyDefinition): FamilyView {
    const family = new Family(def, this.now);
    this.registry.addFamily(family);
    this.createdFamilies.push(family);
    return family;
  }

  /** The label set with exactly these labels, whatever their order. */
  labelSet(family: FamilyView, labels: Labels): LabelSetView | undefined {
    return this.own(family).findSet(labels);
  }

  /** A new label set of the family; `labels` must be canonical (sorted, frozen). */
  createLabelSet(family: FamilyView, labels: Labels): LabelSetView {
    const owned = this.own(family);
    const set = new LabelSet(owned, labelsKey(labels), labels, this.registry.allocateIds(owned.seriesPerSet));
    this.registry.addSet(set);
    this.createdSets.push(set);
    return set;
  }

  /**
   * Whether the set is still the registry's: not removed (deleted, expired, a failed commit), its family
   * not removed or re-created, the registry not reloaded. For a caller that kept a set from an earlier
   * append (remote write's series cache): its series ids are never reused while the set is current.
   */
  isCurrent(set: LabelSetView): boolean {
    // The set's own flag (kept by its family's attach and detach), not a probe of the registry's map of
    // 10,000s of series ids: remote write asks for every sample, of a set it is about to write to.
    return set instanceof LabelSet && set.attached;
  }

  /** The newest timestamp of the set, staged samples included. */
  lastT(set: LabelSetView): number {
    const owned = this.ownSet(set);
    if (owned.stagedBy === this) return owned.stagedT;
    return owned.pendingBy === null ? owned.lastT : owned.pendingT;
  }

  /** A histogram's current values (buckets, +Inf, sum, count), staged samples included. */
  currentValues(set: LabelSetView): Float64Array {
    const owned = this.ownSet(set);
    if (owned.stagedBy === this) return owned.stagedValues ?? owned.values;
    return (owned.pendingBy === null ? null : owned.pendingValues) ?? owned.values;
  }

  /**
   * Stages a counter's or gauge's value at t; false (nothing staged) when t is older than the newest.
   * With `combine`, the value staged is `combine(current, value)` (a counter adds its increment): one
   * lookup of the set's staged state per sample, on the ingest path's hottest line.
   */
  append(
    set: LabelSetView,
    t: number,
    value: number,
    combine?: (current: number, value: number) => number,
  ): boolean {
    const owned = this.ownSet(set);
    const staged = owned.stagedBy === this;
    const pending = !staged && owned.pendingBy !== null;
    if (t < (staged ? owned.stagedT : pending ? owned.pendingT : owned.lastT)) return false;
    const next =
      combine === undefined
        ? value
        : combine(staged ? owned.stagedValue : pending ? owned.pendingValue : owned.values[0]!, value);
    this.wal.add(owned.firstId, t, next);
    if (!staged) this.stage(owned);
    owned.stagedT = t;
    owned.stagedValue = next;
    owned.stagedValues = null;
    return true;
  }

  /** Stages every series of a histogram label set at t; false (nothing staged) when out of order. */
  appendAll(set: LabelSetView, t: number, values: Float64Array): boolean {
    const owned = this.ownSet(set);
    if (t < this.lastT(owned)) return false;
    for (let i = 0; i < values.length; i++) this.wal.add(owned.ids[i]!, t, values[i]!);
    if (owned.stagedBy !== this) this.stage(owned);
    owned.stagedT = t;
    owned.stagedValue = 0;
    owned.stagedValues = values;
    return true;
  }

  /** Notes new HELP text and unit for the family (the newest wins, as in Prometheus); undefined keeps. */
  describe(family: FamilyView, help: string | undefined, unit: string | undefined): void {
    if (help === undefined && unit === undefined) return;
    const owned = this.own(family);
    const current = this.metadata.get(owned) ?? owned.def;
    const next = { help: help ?? current.help, unit: unit ?? current.unit };
    if (next.help !== current.help || next.unit !== current.unit) this.metadata.set(owned, next);
  }

  /**
   * Makes the staged samples durable in a (group) store write, then visible. Throws the store's error
   * after rolling back what this append created. Returns whether anything was written.
   */
  async commit(): Promise<boolean> {
    this.finish();
    // Only what staged may have read values of the failed write; a request refused item by item is not.
    if (this.staged.length > 0 && this.commits.generation !== this.generation) {
      this.rollbackCreated();
      throw new Error('a write this append built on failed');
    }
    const sets = this.createdSets.filter((set) => set.stagedBy === this);
    for (const set of this.createdSets) if (set.stagedBy !== this) this.registry.removeSet(set);
    const families = this.createdFamilies.filter((family) => family.sets.size > 0);
    for (const family of this.createdFamilies) if (family.sets.size === 0) this.registry.removeFamily(family);
    if (this.staged.length === 0) {
      this.unstage();
      return false;
    }
    const redescribed = [...this.metadata.keys()].filter((family) => !families.includes(family));
    const commit = {
      families: [...families, ...redescribed].map((family) => this.stored(family)),
      series: sets.flatMap((set) => seriesRecords(set, this.now)),
      samples: this.wal.bytes(),
    };
    const staged = this.leavePending();
    const durable = this.commits.submit({
      commit,
      publish: () => {
        this.registry.commit(families, sets);
        this.publish(staged);
      },
      abandon: () => {
        for (const set of this.staged) if (set.pendingBy === this) clearPending(set);
        for (const set of sets) this.registry.removeSet(set);
      },
    });
    this.handOff(durable);
    await durable;
    return true;
  }

  /** Drops everything this append created and staged. */
  rollback(): void {
    this.finish();
    this.rollbackCreated();
  }

  private rollbackCreated(): void {
    this.unstage();
    for (const set of this.createdSets) this.registry.removeSet(set);
    for (const family of this.createdFamilies) {
      if (this.registry.families.get(family.def.name) === family) this.registry.removeFamily(family);
    }
  }

  /** Rolls back unless commit() or rollback() ran (the end of `Tsdb.append`). */
  close(): void {
    if (!this.done) this.rollback();
  }

  private stage(set: LabelSet): void {
    set.stagedBy = this;
    this.staged[this.stagedCount++] = set;
  }

  /** Clears the sets' scratch, so no set keeps this appender (and its record) reachable. */
  private unstage(): void {
    for (const set of this.staged) {
      set.stagedBy = null;
      set.stagedValues = null;
    }
  }

  private finish(): void {
    if (this.done) throw new Error('an appender commits or rolls back once');
    this.done = true;
    this.staged.length = this.stagedCount; // no holes past the sets staged
  }

  /**
   * Moves what this append staged from the sets' scratch to their pending values (the next appender
   * builds on them) and returns a copy: a later append may overwrite both before this one publishes.
   */
  private leavePending(): StagedValues {
    const count = this.staged.length;
    const copy: StagedValues = { t: new Float64Array(count), value: new Float64Array(count), values: null };
    for (let i = 0; i < count; i++) {
      const set = this.staged[i]!;
      copy.t[i] = set.pendingT = set.stagedT;
      copy.value[i] = set.pendingValue = set.stagedValue;
      const values = (set.pendingValues = set.stagedValues);
      // Histograms only: a list with a slot per staged set was 8-16 B a sample for counters and gauges.
      if (values !== null) (copy.values ??= new Array<Float64Array | null>(count).fill(null))[i] = values;
      set.pendingBy = this;
    }
    this.unstage();
    return copy;
  }

  private publish(staged: StagedValues): void {
    for (let i = 0; i < this.staged.length; i++) {
      const set = this.staged[i]!;
      const values = staged.values?.[i] ?? null;
      if (values === null) this.registry.setValue(set, 0, staged.t[i]!, staged.value[i]!);
      else this.registry.setValues(set, staged.t[i]!, values);
      if (set.pendingBy === this) clearPending(set);
    }
    this.wal.appendTo(this.heads);
    this.metadata.forEach(({ help, unit }, family) => {
      this.registry.describe(family, help, unit);
    });
  }

  /** The family as it will be stored: its definition with the HELP text and unit of this append. */
  private stored(family: Family): StoredFamily {
    return { ...family.def, ...this.metadata.get(family), createdAt: family.createdAt };
  }

  /** Views handed out by this TSDB are its own objects: anything else is a caller's bug. */
  private own(family: FamilyView): Family {
    if (!(family instanceof Family)) throw new TypeError('not a family of this TSDB');
    return family;
  }

  private ownSet(set: LabelSetView): LabelSet {
    if (!(set instanceof LabelSet)) throw new TypeError('not a label set of this TSDB');
    return set;
  }
}

/** What an append staged per set, in the order of its `staged` list. */
interface StagedValues {
  t: Float64Array;
  value: Float64Array;
  /** A histogram set's values at its index; null when no histogram set was staged. */
  values: (Float64Array | null)[] | null;
}

function clearPending(set: LabelSet): void {
  set.pendingBy = null;
  set.pendingValues = null;
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
