import type { IngestSample } from '../../ingest/sample-schema.js';
import { attributeLabels, attributeText, toNumber } from './attributes.js';
import type {
  Int64,
  OtlpExponentialPoint,
  OtlpHistogramPoint,
  OtlpMetric,
  OtlpNumberPoint,
  OtlpPointBase,
  OtlpRequest,
  OtlpResourceMetrics,
} from './codec.js';
import { EXPONENTIAL_BOUNDS, cumulativeCounts, exponentialBucketCounts } from './exponential.js';
import { prometheusName, type PrometheusKind } from './names.js';
import type { StartTimes } from './start-times.js';

export interface TranslateOptions {
  /** Unit and `_total` suffixes on names (OTLP_METRIC_SUFFIXES). */
  suffixes: boolean;
  /** Resource attributes also copied onto every series (OTLP_PROMOTE_RESOURCE_ATTRIBUTES). */
  promote: ReadonlySet<string>;
  starts: StartTimes;
}

/** A data point refused before ingest, and why (in the answer's partial_success error_message). */
export interface RefusedPoint {
  point: number;
  metric: string;
  reason: string;
}

export interface Translation {
  samples: IngestSample[];
  /**
   * Per sample, the data point it comes from, or -1 for samples the receiver adds itself (target_info, the
   * zero written at a restarted counter's start): their refusal loses no data point.
   */
  pointOf: number[];
  /** Data points with a value (those flagged "no recorded value" are skipped, as the spec says). */
  points: number;
  refused: RefusedPoint[];
}

const AGGREGATION_DELTA = 1;
const AGGREGATION_CUMULATIVE = 2;
const FLAG_NO_RECORDED_VALUE = 1;
/** The most explicit bounds a histogram may have, as in the JSON API. */
const MAX_BOUNDS = 64;
const MAX_HELP = 1024;

const RESOURCE_KEYS_MAPPED = new Set(['service.name', 'service.namespace', 'service.instance.id']);

/** Nanoseconds since the epoch to milliseconds; 0 (unset) is undefined: the time of receipt. */
function millis(nanos: Int64): number | undefined {
  const ns = toNumber(nanos);
  return ns > 0 ? Math.floor(ns / 1e6) : undefined;
}

/**
 * OTLP metrics as samples for IngestService, following the OpenTelemetry-to-Prometheus compatibility spec:
 * resource → job, instance and target_info; scope → otel_scope_name/version; sums, gauges, histograms and
 * exponential histograms (converted) as counters, gauges and histograms. Summaries are refused (ADR 0017).
 */
export function translate(request: OtlpRequest, options: TranslateOptions): Translation {
  const out: Translation = { samples: [], pointOf: [], points: 0, refused: [] };
  for (const resourceMetrics of request.resourceMetrics) translateResource(resourceMetrics, options, out);
  return out;
}

function translateResource(rm: OtlpResourceMetrics, options: TranslateOptions, out: Translation): void {
  const attributes = rm.resource?.attributes ?? [];
  const text = (key: string): string => attributeText(attributes.find((kv) => kv.key === key)?.value);
  const service = text('service.name');
  const namespace = text('service.namespace');
  const base: Record<string, string> = {};
  const promoted = attributes.filter((kv) => options.promote.has(kv.key));
  attributeLabels(promoted, base);
  const job = namespace !== '' && service !== '' ? `${namespace}/${service}` : service;
  const instance = text('service.instance.id');
  if (job !== '') base.job = job;
  if (instance !== '') base.instance = instance;

  const pointsBefore = out.points;
  let latest: number | undefined;
  for (const sm of rm.scopeMetrics) {
    const scopeLabels = { ...base };
    const scopeName = sm.scope?.name ?? '';
    const scopeVersion = sm.scope?.version ?? '';
    if (scopeName !== '') scopeLabels.otel_scope_name = scopeName;
    if (scopeVersion !== '') scopeLabels.otel_scope_version = scopeVersion;
    for (const metric of sm.metrics) {
      const t = translateMetric(metric, scopeLabels, options, out);
      if (t !== undefined && (latest === undefined || t > latest)) latest = t;
    }
  }

  // target_info: the resource's other attributes, once per resource with points, at its newest point's time.
  const others = attributes.filter((kv) => !RESOURCE_KEYS_MAPPED.has(kv.key));
  if (others.length > 0 && out.points > pointsBefore) {
    const labels = attributeLabels(others, {});
    if (job !== '') labels.job = job;
    if (instance !== '') labels.instance = instance;
    out.samples.push({
      name: 'target_info',
      type: 'gauge',
      value: 1,
      labels,
      help: 'Target metadata (OpenTelemetry resource attributes)',
      ...(latest === undefined ? {} : { timestamp: latest }),
    });
    out.pointOf.push(-1);
  }
}

interface MetricContext {
  name: string;
  help: string;
  unit: string;
  labels: Readonly<Record<string, string>>;
  options: TranslateOptions;
  out: Translation;
}

/** The metric's points as samples; returns the newest point time (for target_info). */
function translateMetric(
  metric: OtlpMetric,
  scopeLabels: Readonly<Record<string, string>>,
  options: TranslateOptions,
  out: Translation,
): number | undefined {
  const kind = metricKind(metric);
  const points = kind.points.filter((p) => (p.flags & FLAG_NO_RECORDED_VALUE) === 0);
  const first = out.points;
  out.points += points.length;
  const refuseAll = (reason: string) => {
    for (let i = 0; i < points.length; i++)
      out.refused.push({ point: first + i, metric: metric.name, reason });
  };
  if (kind.refused !== undefined) {
    refuseAll(kind.refused);
    return undefined;
  }
  const named = prometheusName(metric.name, metric.unit, kind.prometheus, options.suffixes);
  const ctx: MetricContext = {
    name: named.name,
    help: metric.description.length > MAX_HELP ? metric.description.slice(0, MAX_HELP) : metric.description,
    // Without suffixes the unit is not in the name, and OpenMetrics wants a UNIT to be its suffix.
    unit: options.suffixes ? named.unit : '',
    labels: scopeLabels,
    options,
    out,
  };
  let latest: number | undefined;
  points.forEach((point, i) => {
    const index = first + i;
    const t = millis(point.timeUnixNano);
    if (t !== undefined && (latest === undefined || t > latest)) latest = t;
    const refusal = kind.add(point as never, index, ctx, t);
    if (refusal !== undefined) out.refused.push({ point: index, metric: metric.name, reason: refusal });
  });
  return latest;
}

type AddPoint = (
  point: never,
  index: number,
  ctx: MetricContext,
  t: number | undefined,
) => string | undefined;

interface MetricKind {
  points: readonly OtlpPointBase[];
  prometheus: PrometheusKind;
  add: AddPoint;
  refused?: string;
}

function metricKind(metric: OtlpMetric): MetricKind {
  switch (metric.data) {
    case 'gauge':
      return { points: metric.gauge?.dataPoints ?? [], prometheus: 'gauge', add: addGauge };
    case 'sum': {
      const sum = metric.sum!;
      const temporality = temporalityRefusal(sum.aggregationTemporality);
      if (!sum.isMonotonic) {
        return {
          points: sum.dataPoints,
          prometheus: 'gauge',
          add: addGauge,
          ...(temporality !== undefined
            ? { refused: temporality }
            : sum.aggregationTemporality === AGGREGATION_DELTA
              ? {
                  refused:
                    'a non-monotonic sum with delta temporality has no gauge value; export UpDownCounters with cumulative temporality',
                }
              : {}),
        };
      }
      return {
        points: sum.dataPoints,
        prometheus: 'counter',
        add: sum.aggregationTemporality === AGGREGATION_DELTA ? addDeltaCounter : addCumulativeCounter,
        ...(temporality === undefined ? {} : { refused: temporality }),
      };
    }
    case 'histogram': {
      const h = metric.histogram!;
      const temporality = temporalityRefusal(h.aggregationTemporality);
      return {
        points: h.dataPoints,
        prometheus: 'histogram',
        add: addHistogram(h.aggregationTemporality === AGGREGATION_DELTA),
        ...(temporality === undefined ? {} : { refused: temporality }),
      };
    }
    case 'exponentialHistogram': {
      const h = metric.exponentialHistogram!;
      const temporality = temporalityRefusal(h.aggregationTemporality);
      return {
        points: h.dataPoints,
        prometheus: 'histogram',
        add: addExponential(h.aggregationTemporality === AGGREGATION_DELTA),
        ...(temporality === undefined ? {} : { refused: temporality }),
      };
    }
    case 'summary':
      return {
        points: (metric.summary?.dataPoints ?? []) as OtlpPointBase[],
        prometheus: 'gauge',
        add: addGauge,
        refused:
          'summaries are not stored (a "quantile" label is the service\'s own); export a histogram instead',
      };
    case undefined:
      return {
        points: [],
        prometheus: 'gauge',
        add: addGauge,
        refused: 'the metric has no data (gauge, sum, histogram…)',
      };
  }
}

function temporalityRefusal(temporality: number): string | undefined {
  return temporality === AGGREGATION_DELTA || temporality === AGGREGATION_CUMULATIVE
    ? undefined
    : 'aggregation temporality must be delta or cumulative';
}

function labelsOf(point: OtlpPointBase, ctx: MetricContext): Record<string, string> {
  // Resource and scope labels win over a point attribute of the same name (job, instance, otel_scope_*).
  const labels = point.attributes.length === 0 ? {} : attributeLabels(point.attributes, {});
  for (const name in ctx.labels) labels[name] = ctx.labels[name]!;
  return labels;
}

function numberValue(point: OtlpNumberPoint): number | undefined {
  // Decoded and fromObject messages alike name the member that is set in the oneof's virtual field.
  if (point.value === 'asDouble') return point.asDouble;
  if (point.value === 'asInt') return toNumber(point.asInt);
  return undefined;
}

function push(ctx: MetricContext, index: number, sample: IngestSample): void {
  ctx.out.samples.push(sample);
  ctx.out.pointOf.push(index);
}

/** A sample of the metric; built field by field, without spreads (this runs once per point). */
function sampleOf(
  ctx: MetricContext,
  labels: Record<string, string>,
  t: number | undefined,
  type: 'counter' | 'gauge' | 'histogram',
  value: number,
): IngestSample {
  const sample: IngestSample = { name: ctx.name, type, value, labels };
  if (ctx.help !== '') sample.help = ctx.help;
  if (ctx.unit !== '') sample.unit = ctx.unit;
  if (t !== undefined) sample.timestamp = t;
  return sample;
}

const addGauge: AddPoint = (point: OtlpNumberPoint, index, ctx, t) => {
  const value = numberValue(point);
  if (value === undefined) return 'the data point has no value';
  push(ctx, index, sampleOf(ctx, labelsOf(point, ctx), t, 'gauge', value));
  return undefined;
};

const addDeltaCounter: AddPoint = (point: OtlpNumberPoint, index, ctx, t) => {
  const value = numberValue(point);
  if (value === undefined) return 'the data point has no value';
  // A delta is an increment: the JSON API's counter semantics (valueRejection refuses < 0 and non-finite).
  push(ctx, index, sampleOf(ctx, labelsOf(point, ctx), t, 'counter', value));
  return undefined;
};

/**
 * When the point's start time is new for its series (first sight, or the exporter restarted), a zero is
 * written at the start: the next total then reads as a reset even when it is above the last one.
 */
function zeroAtStart(
  ctx: MetricContext,
  labels: Record<string, string>,
  point: OtlpPointBase,
  t: number | undefined,
  zero: (start: number) => IngestSample,
): void {
  const start = millis(point.startTimeUnixNano);
  if (start === undefined || t === undefined || start >= t) return;
  if (!ctx.options.starts.restarted(seriesKey(ctx.name, labels), start)) return;
  ctx.out.samples.push(zero(start));
  ctx.out.pointOf.push(-1);
}

/**
 * The series' key for StartTimes, in the labels' own order (an exporter writes a series' attributes in the
 * same order each time; a different order only looks like a new series, whose zero is then refused as
 * older than what is stored).
 */
function seriesKey(name: string, labels: Record<string, string>): string {
  let key = name;
  for (const label in labels) key += `\u0000${label}\u0000${labels[label]!}`;
  return key;
}

const addCumulativeCounter: AddPoint = (point: OtlpNumberPoint, index, ctx, t) => {
  const value = numberValue(point);
  if (value === undefined) return 'the data point has no value';
  const labels = labelsOf(point, ctx);
  const cumulative = { kind: 'counter-total' } as const;
  zeroAtStart(ctx, labels, point, t, (start) => {
    const zero = sampleOf(ctx, labels, start, 'counter', 0);
    zero.cumulative = cumulative;
    return zero;
  });
  const sample = sampleOf(ctx, labels, t, 'counter', value);
  sample.cumulative = cumulative;
  push(ctx, index, sample);
  return undefined;
};

/** Per-bucket counts checked: finite, whole and ≥ 0. */
function countsRefusal(counts: readonly number[]): string | undefined {
  return counts.every((c) => Number.isInteger(c) && c >= 0)
    ? undefined
    : 'bucket counts must be whole numbers ≥ 0';
}

/** Adds a histogram point as a state (cumulative) or as observations (delta), with the given bounds. */
function addHistogramSample(
  ctx: MetricContext,
  index: number,
  point: OtlpPointBase & { count: Int64; sum?: number | null },
  t: number | undefined,
  delta: boolean,
  bounds: readonly number[],
  counts: readonly number[],
): string | undefined {
  const badCounts = countsRefusal(counts);
  if (badCounts !== undefined) return badCounts;
  const sum = point.sum ?? 0;
  if (!Number.isFinite(sum)) return 'a histogram sum must be finite (ADR 0008)';
  const labels = labelsOf(point, ctx);
  const sample = sampleOf(ctx, labels, t, 'histogram', sum);
  sample.buckets = bounds as number[];
  if (delta) {
    sample.observations = { counts, sum };
    push(ctx, index, sample);
    return undefined;
  }
  const buckets = cumulativeCounts(counts);
  const count = toNumber(point.count);
  zeroAtStart(ctx, labels, point, t, (start) => {
    const zero = sampleOf(ctx, labels, start, 'histogram', 0);
    zero.buckets = bounds as number[];
    zero.cumulative = { kind: 'histogram', buckets: buckets.map(() => 0), sum: 0, count: 0 };
    return zero;
  });
  sample.cumulative = { kind: 'histogram', buckets, sum, count };
  push(ctx, index, sample);
  return undefined;
}

function addHistogram(delta: boolean): AddPoint {
  return (point: OtlpHistogramPoint, index, ctx, t) => {
    const bounds = point.explicitBounds;
    if (bounds.length > MAX_BOUNDS) return `at most ${MAX_BOUNDS} bucket bounds per histogram`;
    const counts =
      point.bucketCounts.length === 0 ? [toNumber(point.count)] : point.bucketCounts.map(toNumber);
    if (counts.length !== bounds.length + 1) {
      return `a histogram with ${bounds.length} bounds needs ${bounds.length + 1} bucket counts, not ${counts.length}`;
    }
    return addHistogramSample(ctx, index, point, t, delta, bounds, counts);
  };
}

function addExponential(delta: boolean): AddPoint {
  return (point: OtlpExponentialPoint, index, ctx, t) => {
    const counts = exponentialBucketCounts(point);
    if (typeof counts === 'string') return counts;
    return addHistogramSample(ctx, index, point, t, delta, EXPONENTIAL_BOUNDS, counts);
  };
}
