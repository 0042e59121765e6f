import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { MAX_METRIC_NAME_LENGTH } from '../domain/names.js';
import { fromJsonValue } from '../domain/sample-value.js';
import { ownProperty } from '../support/own-property.js';

/**
 * A sample value in JSON, sent or answered: a number, or "NaN", "+Inf", "-Inf" (JSON has no number for
 * them). What each metric type accepts is ADR 0008: a gauge takes all four, a counter's increment and a
 * histogram's observation must be finite.
 */
export const SampleValueSchema = Type.Union(
  [Type.Number(), Type.Literal('NaN'), Type.Literal('+Inf'), Type.Literal('-Inf')],
  { description: 'A number, or "NaN", "+Inf", "-Inf" as Prometheus writes them (gauges only).' },
);

/** One metric sample as clients send it: the body of /custom and /business, an item of /batch. */
export const MetricSampleSchema = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: MAX_METRIC_NAME_LENGTH,
      description: 'Prometheus metric name: [a-zA-Z_:][a-zA-Z0-9_:]*',
      examples: ['custom_counter'],
    }),
    type: Type.Optional(
      Type.Union([Type.Literal('counter'), Type.Literal('gauge'), Type.Literal('histogram')], {
        description:
          'counter: value is an increment (≥ 0); gauge: value is set; histogram: value is one observation. Defaults to the existing type of the metric, else gauge.',
      }),
    ),
    value: Type.Union(SampleValueSchema.anyOf, {
      description:
        'Increment (counter, finite, ≥ 0), value (gauge: a number, or "NaN", "+Inf", "-Inf") or observation (histogram, finite).',
    }),
    labels: Type.Optional(
      Type.Record(Type.String(), Type.String(), {
        description: 'Label names match [a-zA-Z_][a-zA-Z0-9_]*; values are non-empty strings.',
        examples: [{ service: 'booking', endpoint: '/api/bookings' }],
      }),
    ),
    timestamp: Type.Optional(
      Type.Union([Type.Number(), Type.String({ maxLength: 64 })], {
        description:
          'Sample time: milliseconds since the epoch or an ISO 8601 string. Defaults to the time of receipt. Older than the retention or more than 10 minutes ahead is rejected.',
      }),
    ),
    help: Type.Optional(
      Type.String({
        maxLength: 1024,
        description:
          'HELP text; a later sample bringing another text replaces it (as a Prometheus scrape does).',
      }),
    ),
    unit: Type.Optional(
      Type.String({
        maxLength: 64,
        pattern: '^[a-zA-Z0-9_]*$',
        description: 'Base unit, e.g. seconds or bytes; a later sample bringing another unit replaces it.',
      }),
    ),
    buckets: Type.Optional(
      Type.Array(Type.Number(), {
        minItems: 1,
        maxItems: 64,
        description: 'Histogram bucket upper bounds, ascending; fixed by the first definition.',
      }),
    ),
  },
  { additionalProperties: false, $id: 'MetricSample' },
);

/** A sample as sent: its value may be one of the texts of SampleValueSchema. */
export type SampleInput = Static<typeof MetricSampleSchema>;
/** A sample as IngestService takes it: its value a number (NaN and ±Infinity included). */
export type MetricSample = Omit<SampleInput, 'value'> & { value: number };

/** The sample with its value as a number; the object itself when it already is one (the common case). */
export function toSample(input: SampleInput): MetricSample {
  return typeof input.value === 'number'
    ? (input as MetricSample)
    : { ...input, value: fromJsonValue(input.value) };
}

/** Observations already bucketed, for the service's own collectors (not part of the public API). */
export interface HistogramDelta {
  /** New observations per bucket, not cumulative, the last one above the highest bound (+Inf). */
  counts: readonly number[];
  sum: number;
}

/**
 * An exporter's running totals (remote write, OTLP cumulative temporality, the Pushgateway's text format):
 * the label set's values are set to them, not added to. A counter's `value` is then its running total, and a
 * total below the stored one is a reset, as Prometheus reads it. A histogram's state is its cumulative count
 * per bucket bound of the family (the last one +Inf, equal to `count`) and its sum. Not part of the JSON API.
 */
export type CumulativeState =
  { kind: 'counter-total' } | { kind: 'histogram'; buckets: readonly number[]; sum: number; count: number };

/**
 * What IngestService takes: an API sample, a collector's histogram with a whole batch of observations, or
 * an exporter's cumulative state.
 */
export type IngestSample = MetricSample & {
  observations?: HistogramDelta;
  cumulative?: CumulativeState;
  /**
   * Labels as an exporter sent them (remote write, the Pushgateway): `le` and `quantile` are then ordinary
   * labels of a counter or gauge (a classic histogram kept flat, a summary's quantiles), not refused as
   * the service's own. Not part of the JSON API.
   */
  asSent?: boolean;
};

export const BatchBodySchema = Type.Object(
  {
    metrics: Type.Array(MetricSampleSchema, {
      description: 'Samples; each is accepted or rejected on its own.',
    }),
    category: Type.Optional(
      Type.Union([Type.Literal('custom'), Type.Literal('business')], {
        default: 'custom',
        description: 'Where new metrics are filed: custom (default) or business (GET /api/metrics/business).',
      }),
    ),
  },
  { additionalProperties: false },
);

export const checkSample = TypeCompiler.Compile(MetricSampleSchema);

/** The first schema violation of a batch item, as a field path and a reason. */
export function firstSchemaError(item: unknown): { field: string; reason: string } | undefined {
  if (isPlainSample(item) || checkSample.Check(item)) return undefined;
  const error = checkSample.Errors(item).First();
  if (error === undefined) return { field: '', reason: 'invalid sample' };
  const field = error.path.replace(/^\//, '').replace(/\//g, '.');
  return { field, reason: error.message };
}

/**
 * True only for an item the schema accepts, of the shape nearly every batch item has (name, value, and
 * any of type, labels, timestamp; no help, unit or buckets); false means "ask the schema" (firstSchemaError
 * then runs TypeBox's check, which decides and explains). The compiled check copies every label record
 * into an entries array and tests a regular expression per label name, and lists the item's keys to look
 * each up in an array: a tenth of the batch route's own CPU. Every condition here is at least as strict as
 * the schema's (sample-schema.test.ts checks that it never says true where TypeBox says false).
 */
export function isPlainSample(item: unknown): boolean {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return false;
  const sample = item as Record<string, unknown>;
  const { name, type, value, labels, timestamp } = sample;
  if (typeof name !== 'string' || name.length < 1 || name.length > MAX_METRIC_NAME_LENGTH) return false;
  if (type !== undefined && type !== 'counter' && type !== 'gauge' && type !== 'histogram') return false;
  if (!Number.isFinite(value) && value !== 'NaN' && value !== '+Inf' && value !== '-Inf') return false;
  if (timestamp !== undefined && !Number.isFinite(timestamp)) {
    if (typeof timestamp !== 'string' || timestamp.length > 64) return false;
  }
  if (sample.help !== undefined || sample.unit !== undefined || sample.buckets !== undefined) return false;
  if (labels !== undefined && !allStrings(labels)) return false;
  for (const key of Object.getOwnPropertyNames(sample)) {
    if (key !== 'name' && key !== 'value' && key !== 'labels' && key !== 'type' && key !== 'timestamp') {
      return false;
    }
  }
  return true;
}

/**
 * A plain record whose every own enumerable value is a string, and with no inherited enumerable
 * property (stricter than Record(String, String)). for…in rather than Object.keys: no array per sample.
 */
function allStrings(labels: unknown): boolean {
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return false;
  if (labels instanceof Date || labels instanceof Uint8Array) return false;
  const record = labels as Record<string, unknown>;
  for (const key in record) {
    if (!ownProperty.call(record, key) || typeof record[key] !== 'string') return false;
  }
  return true;
}
