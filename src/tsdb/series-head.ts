import { ChunkEncoder } from '../storage/codec/chunk-encoder.js';
import { decodeChunk } from '../storage/codec/chunk-decoder.js';
import type { StoredChunk } from '../storage/ports.js';

/** A chunk is cut at this many samples (two hours at 30 s) or this time span, whichever comes first. */
export const CHUNK_MAX_SAMPLES = 240;
export const CHUNK_MAX_SPAN_MS = 2 * 60 * 60 * 1000;

/**
 * The in-memory head of one numeric series: the open compressed chunk, the newest sample kept apart
 * (so a sample at the same timestamp replaces it instead of adding a duplicate), and full chunks that
 * wait for the next checkpoint to be written.
 */
export class SeriesHead {
  private encoder: ChunkEncoder | null = null;
  private pendingT = Number.NEGATIVE_INFINITY;
  private pendingV = 0;
  private sealed: StoredChunk[] = [];
  /** Per sealed chunk, the write-ahead record that sealed it (0: not known, the primary's own writes). */
  private sealedAt: number[] = [];
  /** Bumped on every change; a checkpoint clears `dirty` only if nothing changed since its snapshot. */
  private version = 0;
  private persistedVersion = 0;

  constructor(readonly id: number) {}

  get lastT(): number {
    return this.pendingT;
  }

  get lastV(): number {
    return this.pendingV;
  }

  get dirty(): boolean {
    return this.version !== this.persistedVersion;
  }

  /**
   * Appends a sample; returns false (and changes nothing) when it is older than the newest one. `record`
   * is the write-ahead record it comes from when replayed (a follower drops chunks by it: dropSealedThrough).
   */
  append(t: number, v: number, record = 0): boolean {
    if (t < this.pendingT) return false;
    if (t > this.pendingT && this.pendingT !== Number.NEGATIVE_INFINITY) this.commitPending(record);
    this.pendingT = t;
    this.pendingV = v;
    this.version++;
    return true;
  }

  /**
   * `append(values[at], values[at + 1])` of the primary's own write, the doubles read here (see
   * `Heads.appendFrom`). Its own copy of `append`'s lines: calling `append` from here was not inlined, and
   * boxed both doubles again.
   */
  appendFrom(values: Float64Array, at: number): boolean {
    const t = values[at]!;
    if (t < this.pendingT) return false;
    if (t > this.pendingT && this.pendingT !== Number.NEGATIVE_INFINITY) this.commitPending(0);
    this.pendingT = t;
    this.pendingV = values[at + 1]!;
    this.version++;
    return true;
  }

  /** Chunks held in memory, oldest first: sealed ones then the open one (with the pending sample). */
  memoryChunks(): StoredChunk[] {
    const open = this.openChunk();
    return open === null ? this.sealed.slice() : [...this.sealed, open];
  }

  /** Everything a checkpoint must write for this series, and a token to confirm it was written. */
  snapshot(): {
    sealed: StoredChunk[];
    open: StoredChunk | null;
    token: { version: number; sealed: number };
  } {
    return {
      sealed: this.sealed.slice(),
      open: this.openChunk(),
      token: { version: this.version, sealed: this.sealed.length },
    };
  }

  /** Called once the snapshot's chunks are durable: drops the sealed ones from memory. */
  persisted(token: { version: number; sealed: number }): void {
    this.sealed.splice(0, token.sealed);
    this.sealedAt.splice(0, token.sealed);
    if (this.version === token.version) this.persistedVersion = token.version;
  }

  /**
   * A follower's counterpart of `persisted` (ADR 0027): drops the sealed chunks sealed by a record at or
   * below `record`, which the primary's checkpoints have written (the truncation horizon passed it).
   * The head stays dirty: promoted, this replica writes its open chunk again (an idempotent upsert).
   */
  dropSealedThrough(record: number): void {
    let n = 0;
    while (n < this.sealedAt.length && this.sealedAt[n]! > 0 && this.sealedAt[n]! <= record) n++;
    if (n === 0) return;
    this.sealed.splice(0, n);
    this.sealedAt.splice(0, n);
  }

  /** Samples held in memory: sealed chunks, the open one and the pending sample. */
  get samplesInMemory(): number {
    let n = this.pendingT === Number.NEGATIVE_INFINITY ? 0 : 1;
    for (const chunk of this.sealed) n += chunk.count;
    return n + (this.encoder?.count ?? 0);
  }

  /** Rebuilds the head from its newest stored chunk (on start): the last sample becomes pending. */
  restore(chunk: StoredChunk): void {
    const { t, v } = decodeChunk(chunk.data);
    if (t.length === 0) return;
    const last = t.length - 1;
    if (last > 0) {
      this.encoder = ChunkEncoder.forValues(v.subarray(0, last));
      for (let i = 0; i < last; i++) this.encoder.append(t[i]!, v[i]!);
    }
    this.pendingT = t[last]!;
    this.pendingV = v[last]!;
    this.persistedVersion = this.version;
  }

  private openChunk(): StoredChunk | null {
    if (this.pendingT === Number.NEGATIVE_INFINITY) return null;
    const enc = this.encoder;
    let data: Uint8Array;
    let minT = this.pendingT;
    let count = 1;
    if (enc === null || enc.count === 0) {
      const single = ChunkEncoder.forValue(this.pendingV);
      single.append(this.pendingT, this.pendingV);
      data = single.bytes();
    } else {
      minT = enc.minT;
      count = enc.count + 1;
      data = enc.accepts(this.pendingV)
        ? enc.bytesWith(this.pendingT, this.pendingV)
        : this.reencoded(enc).bytes();
    }
    return { seriesId: this.id, minT, maxT: this.pendingT, count, data };
  }

  private commitPending(record: number): void {
    const t = this.pendingT;
    const v = this.pendingV;
    let enc = this.encoder;
    let expectedBytes: number | undefined;
    if (enc !== null && (enc.count >= CHUNK_MAX_SAMPLES || t - enc.minT >= CHUNK_MAX_SPAN_MS)) {
      const data = enc.bytes();
      this.sealed.push({ seriesId: this.id, minT: enc.minT, maxT: enc.maxT, count: enc.count, data });
      this.sealedAt.push(record);
      enc = null;
      // The next chunk of a series is most likely as big as this one: room for it and an eighth more.
      expectedBytes = data.length + (data.length >>> 3);
    }
    if (enc === null) {
      enc = ChunkEncoder.forValue(v, expectedBytes);
      enc.append(t, v);
    } else if (!enc.tryAppend(t, v)) {
      enc = this.reencoded(enc); // rare: the value needs a wider encoding than the chunk's so far
    }
    this.encoder = enc;
  }

  /** The open chunk plus the pending sample, re-encoded in a mode that fits all their values. */
  private reencoded(enc: ChunkEncoder): ChunkEncoder {
    const old = decodeChunk(enc.bytes());
    const values = new Float64Array(old.v.length + 1);
    values.set(old.v);
    values[old.v.length] = this.pendingV;
    const fresh = ChunkEncoder.forValues(values);
    for (let i = 0; i < old.t.length; i++) fresh.append(old.t[i]!, old.v[i]!);
    fresh.append(this.pendingT, this.pendingV);
    return fresh;
  }
}
