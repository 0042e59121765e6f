import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { METRIC_CATEGORIES } from '../domain/metric.js';
import { fromJsonValue, toJsonValue } from '../domain/sample-value.js';
import { MetricSampleSchema, SampleValueSchema, type IngestSample } from '../ingest/sample-schema.js';
import type { ForwardedBatch } from './sample-forwarder.js';

/** The internal route a follower's own samples are posted to on the primary (ADR 0026). */
export const REPLICA_SAMPLES_PATH = '/internal/replica-samples';
export const REPLICA_SAMPLES_TYPE = 'application/vnd.metrics-service.replica-samples+json';
/** Samples per request at most, whatever a sender's batch size: the body limit bounds the bytes. */
export const MAX_SAMPLES_PER_REQUEST = 100_000;

/**
 * A sample as the service's own code builds it: the JSON API's sample (its value a number or "NaN",
 * "+Inf", "-Inf"), plus a collector's bucketed observations and the `asSent` mark. An exporter's
 * cumulative state never comes from a replica's own code and is not carried.
 */
const WireSampleSchema = Type.Object(
  {
    ...MetricSampleSchema.properties,
    timestamp: Type.Number(),
    observations: Type.Optional(
      Type.Object(
        {
          counts: Type.Array(Type.Number({ minimum: 0 }), { maxItems: 65 }),
          sum: SampleValueSchema,
        },
        { additionalProperties: false },
      ),
    ),
    asSent: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const WireBodySchema = Type.Object(
  {
    /** The sending process (its lease incarnation: unique per start). */
    sender: Type.String({ minLength: 1, maxLength: 300 }),
    /** Increases by one per request of that sender; a retry repeats it. */
    seq: Type.Integer({ minimum: 1 }),
    batches: Type.Array(
      Type.Object(
        {
          category: Type.Union(METRIC_CATEGORIES.map((c) => Type.Literal(c))),
          samples: Type.Array(WireSampleSchema, { maxItems: MAX_SAMPLES_PER_REQUEST }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: false },
);

type WireBody = Static<typeof WireBodySchema>;
type WireSample = Static<typeof WireSampleSchema>;
const checkBody = TypeCompiler.Compile(WireBodySchema);

export interface ReplicaSamples {
  sender: string;
  seq: number;
  batches: readonly ForwardedBatch[];
}

/** The request body: JSON, with non-finite numbers written as strings (JSON has none). */
export function encodeReplicaSamples(body: ReplicaSamples): Buffer {
  const wire: WireBody = {
    sender: body.sender,
    seq: body.seq,
    batches: body.batches.map(({ category, samples }) => ({ category, samples: samples.map(toWire) })),
  };
  return Buffer.from(JSON.stringify(wire));
}

/** The body decoded, or the first reason it is not one (a 400 naming the field). */
export function decodeReplicaSamples(raw: Buffer): ReplicaSamples | { field: string; reason: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString('utf8'));
  } catch {
    return { field: '', reason: 'the body is not JSON' };
  }
  if (!checkBody.Check(parsed)) {
    const error = checkBody.Errors(parsed).First();
    return { field: error?.path ?? '', reason: error?.message ?? 'invalid body' };
  }
  const total = parsed.batches.reduce((n, b) => n + b.samples.length, 0);
  if (total > MAX_SAMPLES_PER_REQUEST)
    return { field: 'batches', reason: `more than ${String(MAX_SAMPLES_PER_REQUEST)} samples` };
  return {
    sender: parsed.sender,
    seq: parsed.seq,
    batches: parsed.batches.map(({ category, samples }) => ({ category, samples: samples.map(fromWire) })),
  };
}

function toWire(sample: IngestSample): WireSample {
  // Field by field: own samples carry no cumulative state (see WireSampleSchema), nothing else is sent.
  const { name, type, labels, help, unit, buckets, asSent, observations, timestamp } = sample;
  return {
    name,
    value: toJsonValue(sample.value),
    timestamp: typeof timestamp === 'string' ? Date.parse(timestamp) : (timestamp ?? Date.now()),
    ...(type === undefined ? {} : { type }),
    ...(labels === undefined ? {} : { labels }),
    ...(help === undefined ? {} : { help }),
    ...(unit === undefined ? {} : { unit }),
    ...(buckets === undefined ? {} : { buckets }),
    ...(asSent === undefined ? {} : { asSent }),
    ...(observations === undefined
      ? {}
      : { observations: { counts: [...observations.counts], sum: toJsonValue(observations.sum) } }),
  };
}

function fromWire(sample: WireSample): IngestSample {
  const { value, observations, ...rest } = sample;
  return {
    ...rest,
    value: fromJsonValue(value),
    ...(observations === undefined
      ? {}
      : { observations: { counts: observations.counts, sum: fromJsonValue(observations.sum) } }),
  };
}
