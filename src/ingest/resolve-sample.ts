import { rejection, type Rejection } from '../domain/errors.js';
import { DEFAULT_BUCKETS, type Labels, type MetricCategory, type MetricType } from '../domain/metric.js';
import { checkLabels, checkMetricName } from '../domain/names.js';
import { canonicalLabels } from '../domain/series-key.js';
import type { Appender } from '../tsdb/appender.js';
import type { FamilyView, LabelSetView } from '../tsdb/read-port.js';
import type { SeriesOrder } from '../tsdb/series-order.js';
import type { IngestLimits } from './limits.js';
import type { IngestSample, MetricSample } from './sample-schema.js';

export interface ResolveContext {
  /** The request's appender: what it creates is rolled back unless a sample of it is committed. */
  app: Appender;
  limits: IngestLimits;
  category: MetricCategory;
  isReservedName: (name: string, category: MetricCategory) => boolean;
  /**
   * The families this request already resolved, by name: a batch repeats a few names, and a name's
   * reserved-name check and registry lookup give the same answer for the whole request (its appender
   * holds the write lock, and staging removes no family). Per request: start it empty (`new Map()`).
   */
  families: Map<string, FamilyView>;
  /**
   * The category's prediction of a sender's next label set (one per category and service, kept across
   * requests), and the set the request's previous sample resolved to (null before the first).
   */
  order: SeriesOrder;
  previous: LabelSetView | null;
}

const NO_LABELS: Labels = Object.freeze({});

/**
 * Finds or creates the family and label set a sample writes to, enforcing names, types and limits.
 * The set the sender wrote to after the previous sample's last time is tried first (see SeriesOrder):
 * its family passed the reserved-name check for this category then, and the checks that depend on
 * the sample (type, buckets) run again.
 */
export function resolveLabelSet(sample: IngestSample, ctx: ResolveContext): LabelSetView | Rejection {
  const labels = sample.labels ?? NO_LABELS;
  const predicted = ctx.order.predict(ctx.previous, sample.name, labels);
  if (predicted !== undefined && conflict(sample, predicted.family) === undefined) {
    ctx.previous = predicted;
    return predicted;
  }
  const set = lookUpLabelSet(sample, labels, ctx);
  if ('ids' in set) {
    ctx.order.note(ctx.previous, set);
    ctx.previous = set;
  }
  return set;
}

/** The family by name, then the label set in its index; created when new and within the limits. */
function lookUpLabelSet(sample: IngestSample, labels: Labels, ctx: ResolveContext): LabelSetView | Rejection {
  const family = resolveFamily(sample, ctx);
  if ('code' in family) return family;
  const existing = ctx.app.labelSet(family, labels);
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
  if (ctx.app.activeSeries + needed > ctx.limits.maxActiveSeries) {
    return rejection(
      'active_series_limit_exceeded',
      `the service holds ${ctx.app.activeSeries} active series (limit MAX_ACTIVE_SERIES=${ctx.limits.maxActiveSeries})`,
      'labels',
    );
  }
  return ctx.app.createLabelSet(family, canonicalLabels(labels));
}

function resolveFamily(sample: MetricSample, ctx: ResolveContext): FamilyView | Rejection {
  const known = ctx.families.get(sample.name);
  if (known !== undefined) return conflict(sample, known) ?? known;
  // Before the lookup: a family the service's collectors own exists, and must still refuse clients.
  if (ctx.isReservedName(sample.name, ctx.category)) {
    return rejection('reserved_metric_name', `"${sample.name}" is one of the service's own metrics`, 'name');
  }
  const existing = ctx.app.family(sample.name);
  const family =
    existing === undefined ? createFamily(sample, ctx) : (conflict(sample, existing) ?? existing);
  if ('code' in family) return family;
  ctx.families.set(sample.name, family);
  return family;
}

/** Why a sample cannot go to its family as defined (another type, other buckets), or undefined. */
function conflict(sample: MetricSample, family: FamilyView): Rejection | undefined {
  const def = family.def;
  if (sample.type !== undefined && sample.type !== def.type) {
    return rejection(
      'metric_type_conflict',
      `metric "${sample.name}" is a ${def.type}, not a ${sample.type}`,
      'type',
    );
  }
  if (sample.buckets !== undefined && !sameBuckets(sample.buckets, def.buckets)) {
    return rejection(
      'bucket_conflict',
      `histogram "${sample.name}" has buckets [${def.buckets.join(', ')}]; they are fixed by its first definition`,
      'buckets',
    );
  }
  return undefined;
}

/** A new family named and typed after the sample, or why it cannot be created. */
function createFamily(sample: MetricSample, ctx: ResolveContext): FamilyView | Rejection {
  const badName = checkMetricName(sample.name);
  if (badName !== undefined) return badName;
  const type: MetricType = sample.type ?? 'gauge';
  const clash = ctx.app.conflictingFamily(sample.name, type);
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
  return ctx.app.createFamily({
    name: sample.name,
    type,
    help: sample.help ?? '',
    unit: sample.unit ?? '',
    category: ctx.category,
    buckets,
  });
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
