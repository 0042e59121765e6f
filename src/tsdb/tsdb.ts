import type { MetricStore, StoredChunk } from '../storage/ports.js';
import { decodeChunk } from '../storage/codec/chunk-decoder.js';
import { SeriesHead } from './series-head.js';
import { WriteLock } from './write-lock.js';

export interface SampleRange {
  t: number[];
  v: number[];
}

/**
 * The time-series engine: heads in memory, chunks and write-ahead records in the store.
 * Writes are durable through the store's commit (one write-ahead record per request); checkpoints fold
 * heads into chunks and drop the write-ahead records they cover.
 */
export class Tsdb {
  readonly lock = new WriteLock();
  private readonly heads = new Map<number, SeriesHead>();

  constructor(readonly store: MetricStore) {}

  get size(): number {
    return this.heads.size;
  }

  head(id: number): SeriesHead | undefined {
    return this.heads.get(id);
  }

  ensureHead(id: number): SeriesHead {
    let head = this.heads.get(id);
    if (head === undefined) {
      head = new SeriesHead(id);
      this.heads.set(id, head);
    }
    return head;
  }

  /** Applies an already durable sample to memory. */
  append(id: number, t: number, v: number): boolean {
    return this.ensureHead(id).append(t, v);
  }

  drop(ids: readonly number[]): void {
    for (const id of ids) this.heads.delete(id);
  }

  dirtyHeads(): SeriesHead[] {
    const out: SeriesHead[] = [];
    for (const head of this.heads.values()) if (head.dirty) out.push(head);
    return out;
  }

  allHeads(): IterableIterator<SeriesHead> {
    return this.heads.values();
  }

  /**
   * Samples of one series with from ≤ t ≤ to, plus the newest sample before `from` (for values carried
   * forward and counter increases across the range start).
   */
  async read(id: number, from: number, to: number): Promise<SampleRange> {
    const head = this.heads.get(id);
    const memory = head?.memoryChunks() ?? [];
    const floor = memory.length > 0 ? memory[0]!.minT : Number.POSITIVE_INFINITY;
    const stored = await this.store.readChunks(id, from, to, floor);
    return collect([...stored, ...memory.filter((c) => c.minT <= to)], from, to);
  }
}

function collect(chunks: readonly StoredChunk[], from: number, to: number): SampleRange {
  const out: SampleRange = { t: [], v: [] };
  let beforeT = Number.NEGATIVE_INFINITY;
  let beforeV = 0;
  for (const chunk of chunks) {
    if (chunk.maxT < from && chunk.maxT <= beforeT) continue;
    const { t, v } = decodeChunk(chunk.data);
    for (let i = 0; i < t.length; i++) {
      const ts = t[i]!;
      if (ts < from) {
        if (ts > beforeT) {
          beforeT = ts;
          beforeV = v[i]!;
        }
      } else if (ts <= to) {
        out.t.push(ts);
        out.v.push(v[i]!);
      } else break;
    }
  }
  if (beforeT !== Number.NEGATIVE_INFINITY) {
    out.t.unshift(beforeT);
    out.v.unshift(beforeV);
  }
  return out;
}
