import type { FamilyDefinition, Labels, MetricCategory } from '../domain/metric.js';
import { exposedNames } from '../ingest/exposed-names.js';
import { escapeLabelValue } from '../telemetry/text-format.js';
import { LabelSetIndex } from './label-set-index.js';
import type { FamilyView, LabelSetView } from './read-port.js';

/**
 * One label set of a family: the unit a client writes to. Counters and gauges own one numeric series;
 * a histogram label set owns one series per bucket (the last is +Inf), then `sum`, then `count`.
 * Internal to the TSDB: only src/tsdb imports this file; readers see it as a LabelSetView, and only the
 * registry's methods (called by the appender, recovery and retention) change it.
 */
export class LabelSet implements LabelSetView {
  /** Current values, in the order of `ids`. */
  values: Float64Array;
  /** Timestamp (ms) of the newest sample; -Infinity before the first one. */
  lastT = Number.NEGATIVE_INFINITY;
  /** False until the store has accepted the write that created it (hidden from readers until then). */
  committed = false;
  /**
   * The write path's scratch (see Appender): the appender that staged a sample of this set in the
   * current append, and what it staged. Kept on the set, not in a Map of the appender, because the
   * lookup is on every sample; only meaningful while `stagedBy` is that appender.
   */
  stagedBy: object | null = null;
  stagedT = 0;
  stagedValue = 0;
  stagedValues: Float64Array | null = null;
  /**
   * Values staged by an appender whose group commit is in flight (ADR 0029): what the next appender
   * builds on (a counter adds to it, a sample older than it is out of order) until that write is durable
   * and published, or failed. Only meaningful while `pendingBy` is set.
   */
  pendingBy: object | null = null;
  pendingT = 0;
  pendingValue = 0;
  pendingValues: Float64Array | null = null;
  /** `ids[0]`: the series a counter's or gauge's sample is written to, read without the ids array. */
  readonly firstId: number;
  /** How many labels `labels` holds, so a comparison needs no Object.keys of them. */
  readonly labelCount: number;
  /**
   * True while its family's index finds it (Family.attach to detach): what a kept reference checks
   * before using the set (the ingest's order prediction, SeriesOrder; remote write's known sets).
   */
  attached = false;
  /**
   * SeriesOrder's prediction: the set a sender's next sample wrote to after this one, last time, and
   * the order (one per ingest category) that noted it. Cleared when the set is detached, so a removed
   * set keeps no other alive; a live set keeps at most one removed set, until its link is replaced.
   */
  next: LabelSet | null = null;
  nextOf: object | null = null;
  /** `a="x",b="y"`: the label part of every exposition line, built once. */
  readonly labelText: string;
  private prefixName = '';
  private prefix = '';

  constructor(
    readonly family: Family,
    readonly key: string,
    readonly labels: Labels,
    readonly ids: readonly number[],
  ) {
    this.values = new Float64Array(ids.length);
    this.firstId = ids[0]!;
    this.labelCount = Object.keys(labels).length;
    this.labelText = Object.entries(labels)
      .map(([name, value]) => `${name}="${escapeLabelValue(value)}"`)
      .join(',');
  }

  /** `name{a="x"} `: the start of this set's exposition line, kept for the last name asked. */
  linePrefix(sampleName: string): string {
    if (sampleName !== this.prefixName) {
      this.prefixName = sampleName;
      this.prefix = this.labelText === '' ? `${sampleName} ` : `${sampleName}{${this.labelText}} `;
    }
    return this.prefix;
  }
}

export class Family implements FamilyView {
  private readonly byKey = new Map<string, LabelSet>();
  /** The same label sets, found from a sample's labels without building their key (the write path). */
  private readonly index = new LabelSetIndex<LabelSet>();
  committed = false;
  /** Bumped when a set is added, removed, committed or gets new values: readers cache per family on it. */
  version = 0;

  constructor(
    private definition: FamilyDefinition,
    readonly createdAt: number,
  ) {}

  get def(): FamilyDefinition {
    return this.definition;
  }

  /** New HELP text and unit, from a later push (as a Prometheus scrape updates metadata). */
  describe(help: string, unit: string): void {
    this.definition = { ...this.definition, help, unit };
    this.version++;
  }

  /** Label sets by their key (labelsKey); the registry adds and removes them. */
  get sets(): ReadonlyMap<string, LabelSet> {
    return this.byKey;
  }

  /** The label set with exactly these labels, whatever their order. */
  findSet(labels: Labels): LabelSet | undefined {
    return this.index.find(labels);
  }

  /** Called by SeriesRegistry only: it also maps the set's series ids. */
  attach(set: LabelSet): void {
    this.byKey.set(set.key, set);
    this.index.add(set);
    set.attached = true;
    this.version++;
  }

  /** Called by SeriesRegistry only. */
  detach(set: LabelSet): void {
    // Out of the index even when another set took its key: a follower may load a re-created label set
    // before it replays the old one's deletion (ADR 0027), and the index must not find the old one.
    this.index.remove(set);
    forget(set);
    if (this.byKey.get(set.key) !== set) return;
    this.byKey.delete(set.key);
    this.version++;
  }

  /** Called by SeriesRegistry only. */
  detachAll(): void {
    this.index.forEach(forget);
    this.byKey.clear();
    this.index.clear();
  }

  /** Numeric series per label set: 1, or buckets + +Inf + sum + count for histograms. */
  get seriesPerSet(): number {
    return this.def.type === 'histogram' ? this.def.buckets.length + 3 : 1;
  }
}

/** A set out of its family's index: no kept reference may use it, and it predicts nothing. */
function forget(set: LabelSet): void {
  set.attached = false;
  set.next = null;
  set.nextOf = null;
}

/** Where a numeric series lives: its label set and its index in the set's `ids`/`values`. */
export interface SeriesSlot {
  set: LabelSet;
  index: number;
}

/**
 * The in-memory index of every family and label set: what /metrics exposes, what the query API lists,
 * and what the cardinality limits count. Every change goes through a method here, which bumps the
 * versions readers cache on: no caller bumps a version itself.
 */
export class SeriesRegistry {
  readonly families = new Map<string, Family>();
  /** Exposed name → family that occupies it (see exposedNames). */
  private readonly claims = new Map<string, string>();
  private readonly slots = new Map<number, SeriesSlot>();
  private nextId = 1;
  /** Bumped on every applied write: lets readers cache what they derive from the registry. */
  version = 0;

  get activeSeries(): number {
    return this.slots.size;
  }

  /** Committed families, by name, optionally only one name and one category: what read APIs list. */
  committedFamilies(name?: string, category?: MetricCategory): Family[] {
    return [...this.families.values()]
      .filter(
        (f) =>
          f.committed &&
          (name === undefined || f.def.name === name) &&
          (category === undefined || f.def.category === category),
      )
      .sort((a, b) => a.def.name.localeCompare(b.def.name));
  }

  allocateIds(count: number): number[] {
    const ids: number[] = [];
    for (let i = 0; i < count; i++) ids.push(this.nextId++);
    return ids;
  }

  /** The highest series id allocated or loaded (0: none). */
  get highestId(): number {
    return this.nextId - 1;
  }

  /** Forgets everything (a follower reloading from chunks); readers see the version move. */
  clear(): void {
    for (const family of [...this.families.values()]) this.removeFamily(family);
    this.nextId = 1;
  }

  /** Makes sure freshly allocated ids never collide with ids loaded from the store. */
  reserveIdsUpTo(id: number): void {
    if (id >= this.nextId) this.nextId = id + 1;
  }

  addFamily(family: Family): void {
    this.version++;
    this.families.set(family.def.name, family);
    for (const name of exposedNames(family.def.name, family.def.type)) this.claims.set(name, family.def.name);
  }

  /** The existing family whose exposed names overlap those of a new family, if any. */
  conflictingFamily(name: string, type: FamilyDefinition['type']): string | undefined {
    for (const exposed of exposedNames(name, type)) {
      const owner = this.claims.get(exposed);
      if (owner !== undefined && owner !== name) return owner;
    }
    return undefined;
  }

  addSet(set: LabelSet): void {
    this.version++;
    set.family.attach(set);
    set.ids.forEach((id, index) => this.slots.set(id, { set, index }));
  }

  slot(id: number): SeriesSlot | undefined {
    return this.slots.get(id);
  }

  findSet(family: Family, labels: Labels): LabelSet | undefined {
    return family.findSet(labels);
  }

  /** Removes a label set (expiry or a failed commit); drops its family when it was the last one. */
  removeSet(set: LabelSet): void {
    this.version++;
    set.family.detach(set);
    for (const id of set.ids) this.slots.delete(id);
    if (set.family.sets.size === 0) this.removeFamily(set.family);
  }

  removeFamily(family: Family): void {
    this.version++;
    for (const set of family.sets.values()) for (const id of set.ids) this.slots.delete(id);
    family.detachAll();
    this.families.delete(family.def.name);
    for (const name of exposedNames(family.def.name, family.def.type)) {
      if (this.claims.get(name) === family.def.name) this.claims.delete(name);
    }
  }

  /** Makes a family and the sets of a durable write visible to readers. */
  commit(families: readonly Family[], sets: readonly LabelSet[]): void {
    for (const family of families) family.committed = true;
    for (const set of sets) {
      set.committed = true;
      set.family.version++;
    }
    this.version++;
  }

  /** Publishes a label set's new values and newest timestamp (a durable write or a replayed one). */
  setValues(set: LabelSet, t: number, values: Float64Array): void {
    set.values = values;
    if (t > set.lastT) set.lastT = t;
    set.family.version++;
    this.version++;
  }

  /** Publishes one value of a label set: counters and gauges in place (no array per sample). */
  setValue(set: LabelSet, index: number, t: number, value: number): void {
    set.values[index] = value;
    if (t > set.lastT) set.lastT = t;
    set.family.version++;
    this.version++;
  }

  /** New HELP text and unit of a family. */
  describe(family: Family, help: string, unit: string): void {
    family.describe(help, unit);
    this.version++;
  }
}
