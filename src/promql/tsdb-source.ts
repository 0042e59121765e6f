import type { Labels } from '../domain/metric.js';
import { formatValue } from '../telemetry/text-format.js';
import { DecodedChunkCache } from '../tsdb/decoded-chunk-cache.js';
import type { FamilyView, LabelSetView, TsdbReader } from '../tsdb/read-port.js';
import { SampleBuffers } from '../tsdb/sample-read.js';
import type { LabelMatcher } from './ast.js';
import type { ReadReuse, SeriesRef, SeriesSource, SourceSeries } from './series-source.js';

/** One numeric series of a label set, named as /metrics exposes it (what Prometheus would scrape). */
interface ExposedSeries {
  labels: Labels;
  id: number;
}

/**
 * The PromQL engine's view of the TSDB (its read port): the label sets under the names Prometheus gets
 * when it scrapes /metrics (it asks for OpenMetrics) (a counter `x` as `x_total`, a histogram as `x_bucket{le=…}`, `x_sum`, `x_count`),
 * samples read in one batch. The only file of the engine that knows the TSDB.
 */
export class TsdbSeriesSource implements SeriesSource {
  private readonly cache = new WeakMap<FamilyView, { version: number; series: ExposedSeries[] }>();
  /** Chunks this engine decoded, for its next queries (PROMQL_CHUNK_CACHE_MB; 0 turns it off). */
  readonly decoded: DecodedChunkCache;

  constructor(
    private readonly reader: TsdbReader,
    decodedCacheBytes = 0,
  ) {
    this.decoded = new DecodedChunkCache(decodedCacheBytes);
  }

  async select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<SourceSeries[]> {
    const picked = this.match(matchers);
    return this.read(picked, fromMs, toMs, picked.length);
  }

  match(matchers: readonly LabelMatcher[]): ExposedSeries[] {
    const picked: ExposedSeries[] = [];
    for (const family of this.reader.families()) {
      for (const series of this.exposed(family)) {
        if (matchers.every((m) => m.matches(series.labels[m.name] ?? ''))) picked.push(series);
      }
    }
    return picked;
  }

  async read(
    refs: readonly SeriesRef[],
    fromMs: number,
    toMs: number,
    ofTotal: number,
    reuse?: ReadReuse,
  ): Promise<SourceSeries[]> {
    const picked = refs as readonly ExposedSeries[];
    let buffers: SampleBuffers | undefined;
    if (reuse !== undefined) {
      buffers = reuse.state instanceof SampleBuffers ? reuse.state : new SampleBuffers();
      reuse.state = buffers;
    }
    // One batched read for every series asked (one store round trip, whatever the store).
    const ranges = await this.reader.readSamples(
      picked.map((series) => series.id),
      fromMs,
      toMs,
      this.decoded,
      ofTotal,
      buffers,
    );
    const out: SourceSeries[] = [];
    picked.forEach((series, i) => {
      const range = ranges[i]!;
      // The store adds the newest sample before the range; the engine asks for exactly what it needs.
      let first = 0;
      while (first < range.t.length && range.t[first]! < fromMs) first++;
      if (first < range.t.length)
        out.push({ labels: series.labels, t: range.t.subarray(first), v: range.v.subarray(first) });
    });
    return out;
  }

  private exposed(family: FamilyView): ExposedSeries[] {
    const cached = this.cache.get(family);
    if (cached?.version === family.version) return cached.series;
    const series: ExposedSeries[] = [];
    for (const set of family.sets.values()) if (set.committed) series.push(...exposedSeries(set));
    this.cache.set(family, { version: family.version, series });
    return series;
  }
}

function exposedSeries(set: LabelSetView): ExposedSeries[] {
  const { name, type, buckets } = set.family.def;
  const withName = (metric: string, extra: Record<string, string> = {}): Labels =>
    Object.fromEntries(
      Object.entries({ ...set.labels, ...extra, __name__: metric }).sort(([a], [b]) =>
        a < b ? -1 : a > b ? 1 : 0,
      ),
    );
  if (type === 'counter') {
    return [{ labels: withName(name.endsWith('_total') ? name : `${name}_total`), id: set.ids[0]! }];
  }
  if (type === 'gauge') return [{ labels: withName(name), id: set.ids[0]! }];
  const out: ExposedSeries[] = [];
  for (let i = 0; i <= buckets.length; i++) {
    const le = i < buckets.length ? formatValue(buckets[i]!) : '+Inf';
    out.push({ labels: withName(`${name}_bucket`, { le }), id: set.ids[i]! });
  }
  out.push({ labels: withName(`${name}_sum`), id: set.ids[buckets.length + 1]! });
  out.push({ labels: withName(`${name}_count`), id: set.ids[buckets.length + 2]! });
  return out;
}
