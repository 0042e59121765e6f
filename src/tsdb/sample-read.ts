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
  return chunks.map((list) => gather(list, from, to, cache, keep));
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
  return gather(chunks, from, to, cache, true);
}

/**
 * One series' samples: its chunks decoded straight into one pair of arrays sized by their headers (a
 * cached chunk is copied in), then the range cut out of them as views. Decoding each chunk into arrays of
 * its own and copying those into the series' arrays cost an allocation and a copy per chunk: at 10,000
 * series a query decodes 14 million samples. Of the chunks wholly before `from`, only the newest is read
 * (for the sample carried in). With `keep`, misses are kept in the cache; without, the cache is only
 * looked in (a read larger than the cache).
 */
function gather(
  chunks: readonly StoredChunk[],
  from: number,
  to: number,
  cache: DecodedChunkCache | undefined,
  keep: boolean,
): SampleRange {
  let first = 0;
  for (let i = 0; i < chunks.length; i++) if (chunks[i]!.maxT < from) first = i;
  let capacity = 0;
  for (let i = first; i < chunks.length; i++) capacity += chunkCount(chunks[i]!.data);
  const t = new Float64Array(capacity);
  const v = new Float64Array(capacity);
  let n = 0;
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
  const lo = firstAtOrAfter(t, from, n);
  const hi = n > 0 && t[n - 1]! <= to ? n : firstAfter(t, to, n);
  const start = lo > 0 ? lo - 1 : 0;
  const end = Math.max(lo, hi);
  return { t: t.subarray(start, end), v: v.subarray(start, end) };
}

/** Index of the first time ≥ `from` in the first `length` ascending times (`length` when none is). */
function firstAtOrAfter(t: Float64Array, from: number, length: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > `to` in the first `length` ascending times (`length` when none is). */
function firstAfter(t: Float64Array, to: number, length: number): number {
  let lo = 0;
  let hi = length;
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
