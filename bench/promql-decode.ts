import { decodeChunk, decodeChunkInto } from '../src/storage/codec/chunk-decoder.js';
import { ChunkEncoder } from '../src/storage/codec/chunk-encoder.js';
import { legacyDecodeChunk } from './legacy-chunk-decoder.js';
import { counterSeries, histogramSeries } from './promql-data.js';
import { report } from './support.js';

const CHUNK = 120; // two hours at the PromQL bench's 60 s scrape: the head cuts chunks at 2 h

/**
 * The chunk decode of the PromQL bench's data in isolation, CPU ns a sample: the bit-by-bit decoder of
 * commit 31c992d (baseline, `legacy-chunk-decoder.ts`) against the word-at-a-time one, allocating per chunk
 * (`decodeChunk`) and straight into one pair of arrays per series (`decodeChunkInto`, what a range read
 * does). Counters (decimal mode) and histogram sums (XOR mode), 24 h at 60 s. Each figure is the lowest of
 * 7 trials (the one the host's load moved least); ratios are baseline ÷ figure, same run.
 */
export function benchPromqlDecode(
  series = Number(process.env.BENCH_DECODE_SERIES ?? 500),
  reps = Number(process.env.BENCH_DECODE_REPS ?? 5),
): void {
  for (const kind of ['decimal', 'xor'] as const) {
    const chunks: Uint8Array[][] = [];
    let samples = 0;
    for (let s = 0; s < series; s++) {
      const next = kind === 'decimal' ? counterSeries(s) : sumSeries(s);
      const list: Uint8Array[] = [];
      for (let c = 0; c < 12; c++) {
        const enc = new ChunkEncoder(kind === 'decimal' ? 1 : 0, 0);
        for (let i = 0; i < CHUNK; i++) enc.append(1_700_000_000_000 + (c * CHUNK + i) * 60_000, next());
        list.push(enc.bytes());
        samples += CHUNK;
      }
      chunks.push(list);
    }
    const t = new Float64Array(12 * CHUNK);
    const v = new Float64Array(12 * CHUNK);
    const nsPerSample = (work: (list: Uint8Array[]) => void): number => {
      for (const list of chunks) work(list);
      let best = Number.POSITIVE_INFINITY;
      for (let trial = 0; trial < 7; trial++) {
        const start = process.cpuUsage();
        for (let r = 0; r < reps; r++) for (const list of chunks) work(list);
        const used = process.cpuUsage(start);
        best = Math.min(best, ((used.user + used.system) * 1000) / (reps * samples));
      }
      return best;
    };
    const legacy = nsPerSample((list) => {
      list.forEach((bytes) => legacyDecodeChunk(bytes));
    });
    const perChunk = nsPerSample((list) => {
      list.forEach((bytes) => decodeChunk(bytes));
    });
    const into = nsPerSample((list) => {
      let at = 0;
      for (const bytes of list) at += decodeChunkInto(bytes, t, v, at);
    });
    report(`promql-decode ${kind} (CPU ns a sample, lowest of 7 trials)`, {
      samples,
      legacy_ns: legacy,
      decode_ns: perChunk,
      decode_into_ns: into,
      speedup_decode: legacy / perChunk,
      speedup_decode_into: legacy / into,
    });
  }
}

/** A histogram's `_sum`: arbitrary floats, XOR-encoded. */
function sumSeries(h: number): () => number {
  const next = histogramSeries(h);
  return () => next()[10]!;
}
