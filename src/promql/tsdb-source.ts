import type { Labels } from '../domain/metric.js';
import { formatValue } from '../telemetry/text-format.js';
import type { Family, LabelSet, SeriesRegistry } from '../tsdb/registry.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import type { LabelMatcher } from './ast.js';
import type { SeriesSource, SourceSeries } from './series-source.js';

/** One numeric series of a label set, named as /metrics exposes it (what Prometheus would scrape). */
interface ExposedSeries {
  labels: Labels;
  id: number;
}

/**
 * The PromQL engine's view of today's store: the registry's label sets under the names a scrape of
 * /metrics gives them (a counter `x` as `x_total`, a histogram as `x_bucket{le=…}`, `x_sum`, `x_count`),
 * samples read from the TSDB. The only file of the engine that knows the registry and the TSDB.
 */
export class TsdbSeriesSource implements SeriesSource {
  private readonly cache = new WeakMap<Family, { version: number; series: ExposedSeries[] }>();

  constructor(
    private readonly registry: SeriesRegistry,
    private readonly tsdb: Tsdb,
  ) {}

  async select(matchers: readonly LabelMatcher[], fromMs: number, toMs: number): Promise<SourceSeries[]> {
    const out: SourceSeries[] = [];
    for (const family of [...this.registry.families.values()]) {
      if (!family.committed) continue;
      for (const series of this.exposed(family)) {
        if (!matchers.every((m) => m.matches(series.labels[m.name] ?? ''))) continue;
        const range = await this.tsdb.read(series.id, fromMs, toMs);
        // The store adds the newest sample before the range; the engine asks for exactly what it needs.
        let first = 0;
        while (first < range.t.length && range.t[first]! < fromMs) first++;
        if (first === range.t.length) continue;
        out.push({ labels: series.labels, t: range.t.subarray(first), v: range.v.subarray(first) });
      }
    }
    return out;
  }

  private exposed(family: Family): ExposedSeries[] {
    const cached = this.cache.get(family);
    if (cached?.version === family.version) return cached.series;
    const series: ExposedSeries[] = [];
    for (const set of family.sets.values()) if (set.committed) series.push(...exposedSeries(set));
    this.cache.set(family, { version: family.version, series });
    return series;
  }
}

function exposedSeries(set: LabelSet): ExposedSeries[] {
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
