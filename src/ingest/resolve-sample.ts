import { rejection, type Rejection } from '../domain/errors.js';
import { DEFAULT_BUCKETS, type MetricCategory, type MetricType } from '../domain/metric.js';
import { checkLabels, checkMetricName } from '../domain/names.js';
import { canonicalLabels, labelsKey } from '../domain/series-key.js';
import { Family, LabelSet, type SeriesRegistry } from '../tsdb/registry.js';
import type { IngestLimits } from './limits.js';
import type { IngestSample, MetricSample } from './sample-schema.js';

/** What one request creates; rolled back from the registry if the store refuses the commit. */
export interface Creations {
  families: Family[];
  sets: LabelSet[];
}

export interface ResolveContext {
  registry: SeriesRegistry;
  limits: IngestLimits;
  category: MetricCategory;
  isReservedName: (name: string, category: MetricCategory) => boolean;
  now: number;
  created: Creations;
}

/** Finds or creates the family and label set a sample writes to, enforcing names, types and limits. */
export function resolveLabelSet(sample: IngestSample, ctx: ResolveContext): LabelSet | Rejection {
  const family = resolveFamily(sample, ctx);
  if (!(family instanceof Family)) return family;
  const labels = sample.labels ?? {};
  const existing = family.findSet(labels);
  if (existing !== undefined) return existing;

  const invalid = checkLabels(labels, {
    maxLabels: ctx.limits.maxLabelsPerSeries,
    maxNameLength: ctx.limits.maxLabelNameLength,
    maxValueLength: ctx.limits.maxLabelValueLength,
    refuseReserved: family.def.type === 'histogram' || sample.asSent !== true,
  });
  if (invalid !== undefined) return invalid;
  if (family.sets.size >= ctx.limits.maxSeriesPerMetric) {
    return rejection(
      'series_limit_exceeded',
      `metric "${family.def.name}" already has ${family.sets.size} label sets (limit MAX_SERIES_PER_METRIC=${ctx.limits.maxSeriesPerMetric}); a label with unbounded values (ids, raw paths) is the usual cause`,
      'labels',
    );
  }
  const needed = family.seriesPerSet;
  if (ctx.registry.activeSeries + needed > ctx.limits.maxActiveSeries) {
    return rejection(
      'active_series_limit_exceeded',
      `the service holds ${ctx.registry.activeSeries} active series (limit MAX_ACTIVE_SERIES=${ctx.limits.maxActiveSeries})`,
      'labels',
    );
  }
  const canonical = canonicalLabels(labels);
  const set = new LabelSet(family, labelsKey(canonical), canonical, ctx.registry.allocateIds(needed));
  ctx.registry.addSet(set);
  ctx.created.sets.push(set);
  return set;
}

function resolveFamily(sample: MetricSample, ctx: ResolveContext): Family | Rejection {
  // Before the lookup: a family the service's collectors own exists, and must still refuse clients.
  if (ctx.isReservedName(sample.name, ctx.category)) {
    return rejection('reserved_metric_name', `"${sample.name}" is one of the service's own metrics`, 'name');
  }
  const existing = ctx.registry.families.get(sample.name);
  if (existing !== undefined) {
    if (sample.type !== undefined && sample.type !== existing.def.type) {
      return rejection(
        'metric_type_conflict',
        `metric "${sample.name}" is a ${existing.def.type}, not a ${sample.type}`,
        'type',
      );
    }
    if (sample.buckets !== undefined && !sameBuckets(sample.buckets, existing.def.buckets)) {
      return rejection(
        'bucket_conflict',
        `histogram "${sample.name}" has buckets [${existing.def.buckets.join(', ')}]; they are fixed by its first definition`,
        'buckets',
      );
    }
    return existing;
  }
  const badName = checkMetricName(sample.name);
  if (badName !== undefined) return badName;
  const type: MetricType = sample.type ?? 'gauge';
  const clash = ctx.registry.conflictingFamily(sample.name, type);
  if (clash !== undefined) {
    return rejection(
      'metric_type_conflict',
      `a ${type} named "${sample.name}" would share exposed names with metric "${clash}"`,
      'name',
    );
  }
  if (type !== 'histogram' && sample.buckets !== undefined) {
    return rejection('validation_failed', 'buckets apply to histograms only', 'buckets');
  }
  const buckets = type === 'histogram' ? checkBuckets(sample.buckets ?? DEFAULT_BUCKETS) : [];
  if ('code' in buckets) return buckets;
  const family = new Family(
    {
      name: sample.name,
      type,
      help: sample.help ?? '',
      unit: sample.unit ?? '',
      category: ctx.category,
      buckets,
    },
    ctx.now,
  );
  ctx.registry.addFamily(family);
  ctx.created.families.push(family);
  return family;
}

function checkBuckets(buckets: readonly number[]): readonly number[] | Rejection {
  const bounds = buckets.filter((b) => b !== Number.POSITIVE_INFINITY);
  for (let i = 0; i < bounds.length; i++) {
    if (!Number.isFinite(bounds[i]) || (i > 0 && bounds[i]! <= bounds[i - 1]!)) {
      return rejection('validation_failed', 'bucket bounds must be finite and strictly ascending', 'buckets');
    }
  }
  return bounds;
}

function sameBuckets(a: readonly number[], b: readonly number[]): boolean {
  const bounds = a.filter((x) => x !== Number.POSITIVE_INFINITY);
  return bounds.length === b.length && bounds.every((x, i) => x === b[i]);
}
