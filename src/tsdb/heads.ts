import { SeriesHead } from './series-head.js';

/**
 * The in-memory head of every numeric series, by series id. Internal to the TSDB. Kept in an array
 * indexed by id (ids are small integers handed out in order): the write path finds a head per sample,
 * and a Map of 10,000+ numeric keys cost 7 % of the ingest's CPU in lookups.
 */
export class Heads {
  private readonly heads: (SeriesHead | undefined)[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  get(id: number): SeriesHead | undefined {
    return this.heads[id];
  }

  ensure(id: number): SeriesHead {
    const head = this.heads[id];
    if (head !== undefined) return head;
    // Filled up to the id first, so the array stays a dense one (a far write would make it a dictionary).
    while (this.heads.length < id) this.heads.push(undefined);
    const created = new SeriesHead(id);
    this.heads[id] = created;
    this.count++;
    return created;
  }

  /** Appends an already durable sample; false (nothing changed) when older than the newest one. */
  append(id: number, t: number, v: number): boolean {
    return this.ensure(id).append(t, v);
  }

  /**
   * Appends the already durable sample at `at` of a write-ahead record's triples (id, t, v). The doubles
   * are read here, not passed in: arguments to a call that is not inlined are boxed (two heap numbers a
   * sample on the ingest path).
   */
  appendFrom(record: Float64Array, at: number): boolean {
    return this.ensure(record[at]!).appendFrom(record, at + 1);
  }

  /** A follower: drops the sealed chunks the primary's checkpoints wrote (records up to `record`). */
  dropSealedThrough(record: number): void {
    for (const head of this.heads) head?.dropSealedThrough(record);
  }

  /** Samples held in memory by every head (the store gauge metrics_service_head_samples). */
  samplesInMemory(): number {
    let n = 0;
    for (const head of this.heads) if (head !== undefined) n += head.samplesInMemory;
    return n;
  }

  drop(ids: readonly number[]): void {
    for (const id of ids) {
      if (this.heads[id] === undefined) continue;
      this.heads[id] = undefined;
      this.count--;
    }
  }

  /** Forgets every head (a follower reloading from chunks). */
  clear(): void {
    this.heads.length = 0;
    this.count = 0;
  }

  dirty(): SeriesHead[] {
    const out: SeriesHead[] = [];
    for (const head of this.heads) if (head?.dirty === true) out.push(head);
    return out;
  }
}
