import type { LabelSetView } from '../../tsdb/read-port.js';

/** A series' labels as the decoder hands them out: frozen, since requests share them. */
export type SeriesLabels = readonly (readonly [name: string, value: string])[];

/**
 * A series the cache recognised by its label bytes, and what the steps after the decoder learnt about it:
 * its labels checked against the spec (to-samples), and the label set the ingest path stored its last
 * sample in. With `set`, the next samples go straight to that set (IngestService.ingestKnown), which
 * checks under the write lock that it is still the registry's and otherwise resolves them as new.
 */
export interface KnownSeries {
  readonly labels: SeriesLabels;
  /** `__name__` and the other labels as a record (frozen), once the spec's checks passed. */
  checked?: { readonly name: string; readonly labels: Readonly<Record<string, string>> };
  set?: LabelSetView;
}

/**
 * A series' label bytes → its decoded labels, for the remote write decoder (ADR 0022): a sender sends the
 * same series every interval, so their bytes are hashed and compared instead of decoded into new strings,
 * and the labels (frozen) are the same objects each time, which lets the steps after it remember their
 * work by identity. At most `maxSeries` entries (REMOTE_WRITE_SERIES_CACHE, ~1 KB each with what the
 * later steps keep); when full it starts again empty, so a larger sender only misses.
 */
export class SeriesLabelsCache {
  private readonly entries = new Map<number, Entry>();
  /**
   * The entry of the series looked up last, whose `next` predicts the following one: a sender sends its
   * series in the same order every interval. Kept across requests (the decoder reads one body at a time,
   * synchronously), so the last series of a body predicts the first of the next.
   */
  private previous: Entry | undefined = undefined;

  constructor(private readonly maxSeries: number) {}

  get size(): number {
    return this.entries.size;
  }

  /**
   * The series that followed the one looked up last, the last time, when the label fields at `start` (in a
   * series ending at `end`) are its bytes and nothing more: found without walking, hashing or a Map lookup.
   * The label run is its bytes when they are followed by the series' end or by another field than a label
   * (field 1, wire type 2: byte 0x0a), which is where the decoder's walk would have stopped.
   */
  next(bytes: Uint8Array, view: DataView, start: number, end: number): KnownLabelBytes | undefined {
    const entry = this.previous?.next;
    if (entry === undefined) return undefined;
    const stop = start + entry.bytes.byteLength;
    if (stop > end || (stop < end && bytes[stop] === 0x0a)) return undefined;
    if (!sameBytes(entry.bytes, bytes, view, start, stop)) return undefined;
    this.previous = entry;
    return entry;
  }

  /**
   * The series whose label bytes these are (`view` covers the same bytes as `bytes`: the decoder keeps one
   * per request). Undefined when not cached: the decoder then decodes them and calls `remember`.
   */
  lookup(bytes: Uint8Array, view: DataView, start: number, stop: number): KnownSeries | undefined {
    const entry = this.entries.get(hashBytes(bytes, view, start, stop));
    if (entry === undefined || !sameBytes(entry.bytes, bytes, view, start, stop)) return undefined;
    this.follows(entry);
    return entry.series;
  }

  /**
   * Keeps the labels decoded from these bytes; two series sharing a hash: the first keeps the entry, and
   * the second is not known (undefined: its later steps have nothing to remember their work on).
   */
  remember(
    bytes: Uint8Array,
    view: DataView,
    start: number,
    stop: number,
    labels: SeriesLabels,
  ): KnownSeries | undefined {
    if (this.maxSeries === 0) return undefined;
    if (this.entries.size >= this.maxSeries) {
      // Starting again: no entry from before is predicted (new entries only link to new ones).
      this.entries.clear();
      this.previous = undefined;
    }
    const hash = hashBytes(bytes, view, start, stop);
    if (this.entries.has(hash)) {
      this.follows(undefined);
      return undefined;
    }
    const series: KnownSeries = { labels, checked: undefined, set: undefined };
    // A copy (a Buffer's slice would be a view that keeps the whole request body alive).
    const entry: Entry = {
      bytes: new DataView(new Uint8Array(bytes.subarray(start, stop)).buffer),
      series,
      next: undefined,
    };
    this.entries.set(hash, entry);
    this.follows(entry);
    return series;
  }

  /** Series without labels, or not cached: nothing predicts the next one. */
  forget(): void {
    this.previous = undefined;
  }

  /** The series looked up just now is `entry`: the one before it learns that it came next. */
  private follows(entry: Entry | undefined): void {
    if (entry !== undefined && this.previous !== undefined && this.previous.next !== entry)
      this.previous.next = entry;
    this.previous = entry;
  }
}

/** A cache entry, as `next` hands it out: the series and how many label bytes it was found by. */
export interface KnownLabelBytes {
  readonly series: KnownSeries;
  readonly bytes: DataView;
}

interface Entry extends KnownLabelBytes {
  /** The series that came after this one the last time it was sent. */
  next: Entry | undefined;
}

/**
 * FNV-1a-style over the bytes, four at a time (a label run is ~70 bytes: byte by byte, hashing and
 * comparing them was a tenth of the remote-write path's CPU), nothing allocated. The shift after each
 * multiply carries a word's high bits down, which a multiply alone never does.
 */
function hashBytes(bytes: Uint8Array, view: DataView, start: number, stop: number): number {
  let h = 0x811c9dc5;
  let i = start;
  for (; i + 4 <= stop; i += 4) {
    h = Math.imul(h ^ view.getInt32(i, true), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < stop; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

function sameBytes(
  cached: DataView,
  bytes: Uint8Array,
  view: DataView,
  start: number,
  stop: number,
): boolean {
  const length = stop - start;
  if (cached.byteLength !== length) return false;
  let i = 0;
  for (; i + 4 <= length; i += 4)
    if (cached.getInt32(i, true) !== view.getInt32(start + i, true)) return false;
  for (; i < length; i++) if (cached.getUint8(i) !== bytes[start + i]) return false;
  return true;
}
