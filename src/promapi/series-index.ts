import type { Labels, MetricType } from '../domain/metric.js';
import { formatValue } from '../telemetry/text-format.js';
import type { FamilyView, LabelSetView, TsdbReader } from '../tsdb/read-port.js';

/** One series as a scrape of /metrics names it (`__name__` included), with the time of its newest sample. */
export interface IndexedSeries {
  labels: Labels;
  lastT: number;
}

/** A metric family's metadata, under the name its TYPE line carries. */
export interface FamilyMetadata {
  name: string;
  type: MetricType;
  help: string;
  unit: string;
}

/**
 * What the label and series listings of /api/v1 read: the TSDB's index of series. The one file of the
 * Prometheus API that knows the store (the TSDB's read port).
 */
export interface SeriesIndex {
  series(): Iterable<IndexedSeries>;
  metadata(): FamilyMetadata[];
}

export class ReaderSeriesIndex implements SeriesIndex {
  private readonly cache = new WeakMap<FamilyView, { version: number; series: IndexedSeries[] }>();

  constructor(private readonly reader: TsdbReader) {}

  *series(): Iterable<IndexedSeries> {
    for (const family of this.reader.families()) yield* this.exposed(family);
  }

  metadata(): FamilyMetadata[] {
    return this.reader.families().map((f) => ({
      name: f.def.name,
      type: f.def.type,
      help: f.def.help || `${f.def.name} (pushed to metrics-service)`,
      unit: f.def.unit,
    }));
  }

  private exposed(family: FamilyView): IndexedSeries[] {
    const cached = this.cache.get(family);
    if (cached?.version === family.version) return cached.series;
    const series: IndexedSeries[] = [];
    for (const set of family.sets.values()) if (set.committed) series.push(...exposedSeries(set));
    this.cache.set(family, { version: family.version, series });
    return series;
  }
}

/** The names /metrics writes a label set's samples under: `x_total`, `x_bucket{le}`/`x_sum`/`x_count`. */
function exposedSeries(set: LabelSetView): IndexedSeries[] {
  const { name, type, buckets } = set.family.def;
  // lastT read from the set at each listing, not copied into the cache.
  const at = (metric: string, extra: Record<string, string> = {}): IndexedSeries => ({
    labels: { __name__: metric, ...set.labels, ...extra },
    get lastT() {
      return set.lastT;
    },
  });
  if (type === 'counter') return [at(name.endsWith('_total') ? name : `${name}_total`)];
  if (type === 'gauge') return [at(name)];
  return [
    ...buckets.map((le) => at(`${name}_bucket`, { le: formatValue(le) })),
    at(`${name}_bucket`, { le: '+Inf' }),
    at(`${name}_sum`),
    at(`${name}_count`),
  ];
}
