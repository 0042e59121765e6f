import type { Heads } from './heads.js';

/**
 * The write-ahead record of one ingest request: (series id, timestamp ms, value) triples packed as
 * float64s. Written inside the request's transaction, concatenated with those of the requests committed
 * with it (group commit, ADR 0029); replayed on start for the
 * samples not yet folded into chunks. Values are final (counters carry their cumulative value),
 * so a replay is idempotent.
 */
export class WalRecordBuilder {
  private data: Float64Array;
  private size = 0;

  constructor(expectedSamples = 16) {
    this.data = new Float64Array(Math.max(3, expectedSamples * 3));
  }

  get samples(): number {
    return this.size / 3;
  }

  add(seriesId: number, t: number, v: number): void {
    if (this.size + 3 > this.data.length) {
      const grown = new Float64Array(this.data.length * 2);
      grown.set(this.data);
      this.data = grown;
    }
    this.data[this.size++] = seriesId;
    this.data[this.size++] = t;
    this.data[this.size++] = v;
  }

  /** The record as bytes, or null when empty. */
  bytes(): Uint8Array | null {
    if (this.size === 0) return null;
    return new Uint8Array(this.data.buffer, 0, this.size * 8);
  }

  /**
   * Appends the samples to their heads, in the order they were added. A loop of its own rather than a
   * visitor callback (as `forEachWalSample` takes): the callback was not inlined, and every timestamp and
   * value passed through it was boxed (two heap numbers a sample, a tenth of the ingest step's allocation).
   */
  appendTo(heads: Heads): void {
    const data = this.data;
    for (let i = 0; i < this.size; i += 3) heads.appendFrom(data, i);
  }
}

/**
 * A deletion record (ADR 0027): the primary deleted these series. Same layout as a sample record, each
 * triple (-id, 0, 0): a negative id names no head, so code that predates deletions skips them.
 */
export function deletionRecord(ids: readonly number[]): Uint8Array {
  const data = new Float64Array(ids.length * 3);
  ids.forEach((id, i) => (data[i * 3] = -id));
  return new Uint8Array(data.buffer);
}

export function forEachWalSample(
  bytes: Uint8Array,
  visit: (seriesId: number, t: number, v: number) => void,
): void {
  if (bytes.byteLength % 24 !== 0)
    throw new RangeError(`write-ahead record of ${bytes.byteLength} bytes is corrupt`);
  // Copy when unaligned: a Float64Array view needs an 8-byte aligned offset.
  const aligned = bytes.byteOffset % 8 === 0 ? bytes : bytes.slice();
  const floats = new Float64Array(aligned.buffer, aligned.byteOffset, aligned.byteLength / 8);
  forEachTriple(floats, floats.length, visit);
}

function forEachTriple(
  data: Float64Array,
  size: number,
  visit: (seriesId: number, t: number, v: number) => void,
): void {
  for (let i = 0; i < size; i += 3) visit(data[i]!, data[i + 1]!, data[i + 2]!);
}
