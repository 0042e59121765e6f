import type { LabelSetView } from '../tsdb/read-port.js';

/** One accepted sample of a request: the item's index, the label set it went to, its time (ms). */
export interface AcceptedSample {
  index: number;
  set: LabelSetView;
  t: number;
}

/**
 * The samples a request staged, in the order it staged them (time order), as columns: an index and a
 * time in typed arrays, the label set in a plain array, sized once for the request. An object per
 * accepted sample ({index, set, t}, its time a heap number: ~66 B) was a tenth of the ingest step's CPU,
 * and lived across the request's store write, so the young generation copied it; most callers want only
 * the count and the sets. `toArray` builds those objects for the callers that keep or answer per sample.
 */
export class AcceptedSamples {
  /** Samples added so far. */
  count = 0;
  private readonly indexes: Uint32Array;
  private readonly times: Float64Array;
  private readonly sets: LabelSetView[];

  /** `capacity`: the request's items (a request accepts each of its items at most once). */
  constructor(capacity: number) {
    this.indexes = new Uint32Array(capacity);
    this.times = new Float64Array(capacity);
    this.sets = new Array<LabelSetView>(capacity);
  }

  add(index: number, set: LabelSetView, t: number): void {
    const at = this.count++;
    this.indexes[at] = index;
    this.times[at] = t;
    this.sets[at] = set;
  }

  /** The label set of the `at`-th sample added (0 ≤ at < count). */
  setAt(at: number): LabelSetView {
    return this.sets[at]!;
  }

  /** Calls `visit` with each sample's item index and label set, in the order they were added. */
  forEach(visit: (index: number, set: LabelSetView) => void): void {
    for (let at = 0; at < this.count; at++) visit(this.indexes[at]!, this.sets[at]!);
  }

  /** The samples as objects, in item index order (they were added in time order). */
  toArray(): AcceptedSample[] {
    const out = new Array<AcceptedSample>(this.count);
    let sorted = true;
    for (let at = 0; at < this.count; at++) {
      out[at] = { index: this.indexes[at]!, set: this.sets[at]!, t: this.times[at]! };
      if (at > 0 && this.indexes[at - 1]! > this.indexes[at]!) sorted = false;
    }
    // A sort allocates: only when a batch out of time order was applied in another order than its items'.
    return sorted ? out : out.sort((a, b) => a.index - b.index);
  }
}
