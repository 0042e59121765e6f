import { chunkCount, decodeChunkInto } from '../storage/codec/chunk-decoder.js';
import type { MetricStore, StoredChunk } from '../storage/ports.js';
import type { DecodedChunkCache } from './decoded-chunk-cache.js';
import type { Heads } from './heads.js';
import type { SampleRange } from './read-port.js';

/**
 * Samples of many series over one range: their chunks in memory, plus the stored ones older than the
 * oldest chunk in memory, fetched for every series in one `readChunksBatch` call (one round trip on a
 * networked store, instead of one per series). Chunks are decoded through `cache` when given; `ofTotal`:
 * the read is one batch of a read of that many series, which is what must fit for the cache to keep it.
 */
export async function readSamples(
  heads: Heads,
  store: MetricStore,
  ids: readonly number[],
  from: number,
  to: number,
  cache?: DecodedChunkCache,
  ofTotal = ids.length,
  buffers?: SampleBuffers,
): Promise<SampleRange[]> {
  if (ids.length === 0) return [];
  const memory = ids.map((id) => heads.get(id)?.memoryChunks() ?? []);
  const reads = ids.map((seriesId, i) => ({
    seriesId,
    belowMinT: memory[i]!.length > 0 ? memory[i]![0]!.minT : Number.POSITIVE_INFINITY,
  }));
  const stored = await store.readChunksBatch(reads, from, to);
  const chunks = ids.map((_, i) => [...(stored[i] ?? []), ...memory[i]!.filter((c) => c.minT <= to)]);
  const keep = cache?.fits(chunks.flat(), ofTotal / ids.length) ?? false;
  // One pair of arrays for the whole read, each series a slice of it: at 10,000 series, a pair per series
  // was 20,000 buffers a query for the garbage collector.
  let capacity = 0;
  const firsts = chunks.map((list) => {
    const first = firstNeeded(list, from);
    for (let i = first; i < list.length; i++) capacity += chunkCount(list[i]!.data);
    return first;
  });
  const { t, v } = buffers?.take(capacity) ?? {
    t: new Float64Array(capacity),
    v: new Float64Array(capacity),
  };
  let at = 0;
  return chunks.map((list, i) => {
    const range = gather(list, firsts[i]!, from, to, cache, keep, t, v, at);
    at = range.end;
    return { t: t.subarray(range.start, range.end), v: v.subarray(range.start, range.end) };
  });
}

/**
 * Arrays a caller lends to successive reads (grown when a read needs more): the ranges a read answers
 * are views into them, valid until the next read through the same buffers. For a caller that is done
 * with a batch before it asks for the next (the PromQL engine's batched reads), never shared between two
 * reads in flight.
 */
export class SampleBuffers {
  private t = new Float64Array(0);
  private v = new Float64Array(0);

  take(capacity: number): SampleRange {
    if (this.t.length < capacity) {
      this.t = new Float64Array(capacity);
      this.v = new Float64Array(capacity);
    }
    return { t: this.t, v: this.v };
  }
}

/**
 * The samples of the chunks (oldest first, in time order) with from ≤ t ≤ to, preceded by the newest one
 * before `from`.
 */
export function collect(
  chunks: readonly StoredChunk[],
  from: number,
  to: number,
  cache?: DecodedChunkCache,
): SampleRange {
  const first = firstNeeded(chunks, from);
  let capacity = 0;
  for (let i = first; i < chunks.length; i++) capacity += chunkCount(chunks[i]!.data);
  const t = new Float64Array(capacity);
  const v = new Float64Array(capacity);
  const range = gather(chunks, first, from, to, cache, true, t, v, 0);
  return { t: t.subarray(range.start, range.end), v: v.subarray(range.start, range.end) };
}

/** Of the chunks wholly before `from`, only the newest is read (for the sample carried in). */
function firstNeeded(chunks: readonly StoredChunk[], from: number): number {
  let first = 0;
  for (let i = 0; i < chunks.length; i++) if (chunks[i]!.maxT < from) first = i;
  return first;
}

/**
 * One series' samples: its chunks from `first` on decoded straight into `t` and `v` from index `at` (a
 * cached chunk is copied in), then the range cut out of them: returns where it starts and ends in the
 * arrays. Decoding each chunk into arrays of its own and copying those cost an allocation and a copy per
 * chunk: at 10,000 series a query decodes 14 million samples. With `keep`, misses are kept in the cache;
 * without, the cache is only looked in (a read larger than the cache).
 */
function gather(
  chunks: readonly StoredChunk[],
  first: number,
  from: number,
  to: number,
  cache: DecodedChunkCache | undefined,
  keep: boolean,
  t: Float64Array,
  v: Float64Array,
  at: number,
): { start: number; end: number } {
  let n = at;
  for (let i = first; i < chunks.length; i++) {
    const chunk = chunks[i]!;
    const cached = cache === undefined ? undefined : keep ? cache.decode(chunk) : cache.lookup(chunk);
    if (cached === undefined) {
      n += decodeChunkInto(chunk.data, t, v, n);
    } else {
      t.set(cached.t, n);
      v.set(cached.v, n);
      n += cached.t.length;
    }
  }
  const lo = firstAtOrAfter(t, from, at, n);
  const hi = n > at && t[n - 1]! <= to ? n : firstAfter(t, to, at, n);
  return { start: lo > at ? lo - 1 : at, end: Math.max(lo, hi) };
}

/** Index of the first time ≥ `from` in the ascending times [start, end) (`end` when none is). */
function firstAtOrAfter(t: Float64Array, from: number, start: number, end: number): number {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > `to` in the ascending times [start, end) (`end` when none is). */
function firstAfter(t: Float64Array, to: number, start: number, end: number): number {
  let lo = start;
  let hi = end;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= to) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The range without its sample carried in from before `from` (what a PromQL selector reads). */
export function withinRange(range: SampleRange, from: number): SampleRange {
  if (range.t.length === 0 || range.t[0]! >= from) return range;
  return { t: range.t.subarray(1), v: range.v.subarray(1) };
}
