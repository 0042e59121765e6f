import { decodeChunk, type DecodedChunk } from '../storage/codec/chunk-decoder.js';
import type { MetricStore, StoredChunk } from '../storage/ports.js';
import type { DecodedChunkCache } from './decoded-chunk-cache.js';
import type { Heads } from './heads.js';
import type { SampleRange } from './read-port.js';

/**
 * Samples of many series over one range: their chunks in memory, plus the stored ones older than the
 * oldest chunk in memory, fetched for every series in one `readChunksBatch` call (one round trip on a
 * networked store, instead of one per series). Chunks are decoded through `cache` when given.
 */
export async function readSamples(
  heads: Heads,
  store: MetricStore,
  ids: readonly number[],
  from: number,
  to: number,
  cache?: DecodedChunkCache,
): Promise<SampleRange[]> {
  if (ids.length === 0) return [];
  const memory = ids.map((id) => heads.get(id)?.memoryChunks() ?? []);
  const reads = ids.map((seriesId, i) => ({
    seriesId,
    belowMinT: memory[i]!.length > 0 ? memory[i]![0]!.minT : Number.POSITIVE_INFINITY,
  }));
  const stored = await store.readChunksBatch(reads, from, to);
  const chunks = ids.map((_, i) => [...(stored[i] ?? []), ...memory[i]!.filter((c) => c.minT <= to)]);
  const keep = cache?.fits(chunks.flat()) ?? false;
  return assemble(chunks.map((list) => pick(list, from, to, cache, keep)));
}

/** The decoded parts of one series' chunks that a range needs, and its newest sample before the range. */
interface Pieces {
  beforeT: number;
  beforeV: number;
  parts: DecodedChunk[];
  /** Samples in the range (the one before it not counted). */
  total: number;
}

/**
 * The samples of the chunks (oldest first) with from ≤ t ≤ to, preceded by the newest one before `from`.
 * Decodes first, then copies into typed arrays of the exact size: a month at 15 s is 172,800 samples.
 */
export function collect(
  chunks: readonly StoredChunk[],
  from: number,
  to: number,
  cache?: DecodedChunkCache,
): SampleRange {
  return assemble([pick(chunks, from, to, cache)])[0]!;
}

function pick(
  chunks: readonly StoredChunk[],
  from: number,
  to: number,
  cache?: DecodedChunkCache,
  keep = true,
): Pieces {
  const parts: DecodedChunk[] = [];
  let beforeT = Number.NEGATIVE_INFINITY;
  let beforeV = 0;
  let total = 0;
  for (const chunk of chunks) {
    if (chunk.maxT < from && chunk.maxT <= beforeT) continue;
    const part = cache === undefined ? decodeChunk(chunk.data) : cache.decode(chunk, keep);
    const { t, v } = part;
    let i = 0;
    if (t.length > 0 && t[0]! < from) {
      // Chunks are in time order: the newest sample before `from` is the last one below it.
      i = firstAtOrAfter(t, from);
      if (t[i - 1]! > beforeT) {
        beforeT = t[i - 1]!;
        beforeV = v[i - 1]!;
      }
    }
    const end = t.length > 0 && t[t.length - 1]! <= to ? t.length : firstAfter(t, to);
    if (end > i) {
      parts.push(i === 0 && end === t.length ? part : { t: t.subarray(i, end), v: v.subarray(i, end) });
      total += end - i;
    }
  }
  return { beforeT, beforeV, parts, total };
}

/**
 * Each series' samples copied into arrays of their exact size. Two arrays a series rather than one pair
 * for the whole read: tried, a read of 1,000 series then asked the kernel for 46 MB of fresh pages each
 * time, which cost more system time than the small allocations it saved (`malloc` reuses those).
 */
function assemble(pieces: readonly Pieces[]): SampleRange[] {
  return pieces.map((p) => {
    const head = p.beforeT === Number.NEGATIVE_INFINITY ? 0 : 1;
    const t = new Float64Array(head + p.total);
    const v = new Float64Array(head + p.total);
    if (head === 1) {
      t[0] = p.beforeT;
      v[0] = p.beforeV;
    }
    let at = head;
    for (const part of p.parts) {
      t.set(part.t, at);
      v.set(part.v, at);
      at += part.t.length;
    }
    return { t, v };
  });
}

/** Index of the first time ≥ `from` in ascending times (their length when none is). */
function firstAtOrAfter(t: Float64Array, from: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! < from) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first time > `to` in ascending times (their length when none is). */
function firstAfter(t: Float64Array, to: number): number {
  let lo = 0;
  let hi = t.length;
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
