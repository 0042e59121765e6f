import { decodeChunk, type DecodedChunk } from '../storage/codec/chunk-decoder.js';
import type { StoredChunk } from '../storage/ports.js';

interface Entry {
  /** The compressed bytes it was decoded from: a hit must have the same ones. */
  data: Uint8Array;
  decoded: DecodedChunk;
  bytes: number;
}

/** What an entry costs beyond its arrays (key, entry and typed-array objects), roughly. */
const ENTRY_OVERHEAD_BYTES = 200;

/**
 * Decoded chunks kept for the next query, least recently used dropped first, within `maxBytes` (decoded
 * arrays plus the compressed bytes kept to check hits). A dashboard asks the same series over and over,
 * and decoding was about a fifth of a range query's CPU. A chunk is found by series and start time, and
 * used only if its compressed bytes are the same: the open chunk of a series grows (and its newest sample
 * may be replaced) without changing either, so a changed chunk is decoded again, never served stale.
 * Callers must not write into the arrays it returns: they are shared.
 */
export class DecodedChunkCache {
  private readonly entries = new Map<number, Entry>();
  private held = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.held;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * Whether chunks of these sizes fit in the cache at all. A read that does not fit would only push out
   * everything else and then itself (the next such read misses all the same), so it reads through the
   * cache without keeping what it decodes: what smaller queries keep survives one big scan. `scale`:
   * the chunks are a batch of a read that many times larger (estimated from the batch).
   */
  fits(chunks: Iterable<StoredChunk>, scale = 1): boolean {
    let bytes = 0;
    for (const chunk of chunks) {
      bytes += (chunk.count * 16 + chunk.data.byteLength + ENTRY_OVERHEAD_BYTES) * scale;
      if (bytes > this.maxBytes) return false;
    }
    return true;
  }

  /**
   * The chunk's samples if it was decoded earlier (a miss is counted, the caller decodes it itself: a
   * read that does not fit decodes straight into its own arrays).
   */
  lookup(chunk: StoredChunk): DecodedChunk | undefined {
    const found = this.hit(chunk);
    if (found === undefined) this.misses++;
    return found;
  }

  /** The chunk's samples, decoded now or earlier; `keep`: false decodes a miss without keeping it. */
  decode(chunk: StoredChunk, keep = true): DecodedChunk {
    if (this.maxBytes <= 0) return decodeChunk(chunk.data);
    const found = this.hit(chunk);
    if (found !== undefined) return found;
    this.misses++;
    const decoded = decodeChunk(chunk.data);
    const bytes = decoded.t.byteLength + decoded.v.byteLength + chunk.data.byteLength + ENTRY_OVERHEAD_BYTES;
    if (!keep || bytes > this.maxBytes) return decoded;
    // A view into a larger buffer (a database row's) would keep all of it alive: keep a copy instead.
    // (Uint8Array's slice copies; a Buffer's would be a view: the store may hand either.)
    const data =
      chunk.data.byteLength === chunk.data.buffer.byteLength
        ? chunk.data
        : Uint8Array.prototype.slice.call(chunk.data);
    this.entries.set(keyOf(chunk), { data, decoded, bytes });
    this.held += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.held <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.held -= entry.bytes;
    }
    return decoded;
  }

  /** A kept entry with the same compressed bytes, made the most recently used; a stale one is dropped. */
  private hit(chunk: StoredChunk): DecodedChunk | undefined {
    if (this.maxBytes <= 0) return undefined;
    const key = keyOf(chunk);
    const found = this.entries.get(key);
    if (found === undefined) return undefined;
    this.entries.delete(key);
    if (found.data === chunk.data || Buffer.compare(found.data, chunk.data) === 0) {
      this.entries.set(key, found);
      this.hits++;
      return found.decoded;
    }
    this.held -= found.bytes;
    return undefined;
  }
}

/**
 * A number, not a string: no allocation per lookup. Two chunks may share a key (ids past 2^21, or start
 * times 2^32 ms apart); the byte comparison in `hit` tells them apart.
 */
function keyOf(chunk: StoredChunk): number {
  return chunk.seriesId * 2 ** 32 + (chunk.minT % 2 ** 32);
}
