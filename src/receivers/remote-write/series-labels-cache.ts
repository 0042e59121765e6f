/** A series' labels as the decoder hands them out: frozen, since requests share them. */
export type SeriesLabels = readonly (readonly [name: string, value: string])[];

/**
 * A series' label bytes → its decoded labels, for the remote write decoder (ADR 0022): a sender sends the
 * same series every interval, so their bytes are hashed and compared instead of decoded into new strings,
 * and the labels (frozen) are the same objects each time, which lets the steps after it remember their
 * work by identity. At most `maxSeries` entries (REMOTE_WRITE_SERIES_CACHE, ~1 KB each with what the
 * later steps keep); when full it starts again empty, so a larger sender only misses.
 */
export class SeriesLabelsCache {
  private readonly entries = new Map<number, { bytes: Uint8Array; labels: SeriesLabels }>();

  constructor(private readonly maxSeries: number) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(bytes: Uint8Array, start: number, stop: number): SeriesLabels | undefined {
    const entry = this.entries.get(hashBytes(bytes, start, stop));
    return entry !== undefined && sameBytes(entry.bytes, bytes, start, stop) ? entry.labels : undefined;
  }

  /** Keeps the labels decoded from these bytes; two series sharing a hash: the first keeps the entry. */
  remember(bytes: Uint8Array, start: number, stop: number, labels: SeriesLabels): void {
    if (this.maxSeries === 0) return;
    if (this.entries.size >= this.maxSeries) this.entries.clear();
    const hash = hashBytes(bytes, start, stop);
    if (!this.entries.has(hash)) this.entries.set(hash, { bytes: bytes.slice(start, stop), labels });
  }
}

/** FNV-1a over the bytes: nothing allocated (a key string per series would be, on every request). */
function hashBytes(bytes: Uint8Array, start: number, stop: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < stop; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return h;
}

function sameBytes(cached: Uint8Array, bytes: Uint8Array, start: number, stop: number): boolean {
  if (cached.length !== stop - start) return false;
  for (let i = 0; i < cached.length; i++) if (cached[i] !== bytes[start + i]) return false;
  return true;
}
