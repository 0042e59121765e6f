import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import type { MetricCategory } from '../../domain/metric.js';
import type { AcceptedSample, IngestService, RejectedItem } from '../../ingest/ingest-service.js';
import { toJsonValue } from '../../domain/sample-value.js';
import {
  BatchBodySchema,
  MetricSampleSchema,
  SampleValueSchema,
  firstSchemaError,
  toSample,
  type MetricSample,
  type SampleInput,
} from '../../ingest/sample-schema.js';
import type { OwnMetrics } from '../../telemetry/own-metrics.js';
import { errorResponses, statusForRejection } from '../problem.js';

export interface IngestRouteDeps {
  ingest: IngestService;
  own: OwnMetrics;
  maxBatchSamples: number;
}

const AcceptedSampleSchema = Type.Object({
  status: Type.Literal('accepted'),
  name: Type.String(),
  type: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  value: Type.Union(SampleValueSchema.anyOf, {
    description:
      'Current value of the series (the running total for a counter); "NaN", "+Inf", "-Inf" as text.',
  }),
  timestamp: Type.Number({ description: 'Sample time, ms since the epoch.' }),
});

const RejectedItemSchema = Type.Object({
  index: Type.Integer(),
  code: Type.String(),
  field: Type.Optional(Type.String()),
  reason: Type.String(),
});

const BatchResultSchema = Type.Object({
  accepted: Type.Integer({ description: 'Samples made durable.' }),
  rejected: Type.Array(RejectedItemSchema, {
    description: 'Samples refused, each with its index and reason.',
  }),
});

/** POST /api/metrics/custom, /api/metrics/business and /api/metrics/batch. */
export function ingestRoutes(deps: IngestRouteDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    const single = (category: MetricCategory, summary: string) =>
      app.post(
        `/api/metrics/${category}`,
        {
          schema: {
            tags: ['metrics'],
            summary,
            body: MetricSampleSchema,
            response: { 200: AcceptedSampleSchema, ...errorResponses(409, 413, 415, 422, 503) },
          },
        },
        async (request) => {
          const outcome = await deps.ingest.ingest([toSample(request.body)], category);
          count(deps.own, category, outcome.acceptedCount, outcome.rejected);
          const refused = outcome.rejected[0];
          if (refused !== undefined) {
            throw new DomainError(
              refused.code,
              statusForRejection(refused.code),
              refused.reason,
              refused.field,
            );
          }
          return describe(outcome.accepted[0]!);
        },
      );
    single('custom', 'Add a custom metric sample');
    single('business', 'Add a business metric sample (bookings, revenue, active users…)');

    app.post(
      '/api/metrics/batch',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Add many samples; each is accepted or rejected on its own',
          description:
            'Answers 200 when every sample is accepted, 207 when some are rejected (the others are durable), 422 when none is accepted. A bare JSON array of samples is accepted too.',
          body: BatchBodySchema,
          response: { 200: BatchResultSchema, 207: BatchResultSchema, ...errorResponses(413, 415, 422, 503) },
        },
        // Items are checked one by one below, so one bad item does not sink the batch.
        validatorCompiler: () => (data: unknown) => ({ value: data }),
      },
      async (request, reply) => {
        const items = batchItems(request.body, deps.maxBatchSamples);
        // Sized once (push grew it a few times a batch).
        const samples = new Array<MetricSample | undefined>(items.length);
        const schemaRejected: RejectedItem[] = [];
        items.forEach((item, index) => {
          const error = firstSchemaError(item);
          if (error === undefined) samples[index] = toSample(item as SampleInput);
          else {
            samples[index] = undefined;
            schemaRejected.push({
              index,
              code: 'validation_failed',
              field: error.field,
              reason: error.reason,
            });
          }
        });
        const category = batchCategory(request.body);
        const outcome = await deps.ingest.ingest(samples, category, schemaRejected);
        // The count only: `accepted` would build an object per accepted sample.
        count(deps.own, category, outcome.acceptedCount, outcome.rejected);
        const result = { accepted: outcome.acceptedCount, rejected: outcome.rejected };
        if (result.accepted === 0 && result.rejected.length > 0) {
          throw new DomainError(
            'validation_failed',
            422,
            `all ${result.rejected.length} samples were rejected`,
            'metrics',
            result,
          );
        }
        return reply.status(result.rejected.length > 0 ? 207 : 200).send(result);
      },
    );
    return Promise.resolve();
  };
}

function batchItems(body: unknown, max: number): unknown[] {
  const items: unknown = Array.isArray(body) ? body : (body as { metrics?: unknown } | null)?.metrics;
  if (!Array.isArray(items)) {
    throw new DomainError(
      'validation_failed',
      422,
      'the body must be { "metrics": [ …samples ] } or an array of samples',
      'metrics',
    );
  }
  const extra = Array.isArray(body)
    ? []
    : Object.keys(body as object).filter((k) => k !== 'metrics' && k !== 'category');
  const unknown = extra[0];
  if (unknown !== undefined) {
    throw new DomainError('validation_failed', 422, `unknown batch property "${unknown}"`, unknown);
  }
  if (items.length > max) {
    throw new DomainError(
      'too_many_samples',
      413,
      `at most ${max} samples per batch (MAX_BATCH_SAMPLES)`,
      'metrics',
    );
  }
  return items;
}

function describe(sample: AcceptedSample) {
  const { set, t } = sample;
  const def = set.family.def;
  const value = def.type === 'histogram' ? set.values[set.values.length - 1]! : set.values[0]!;
  return {
    status: 'accepted' as const,
    name: def.name,
    type: def.type,
    labels: { ...set.labels },
    value: toJsonValue(value),
    timestamp: t,
  };
}

function count(
  own: OwnMetrics,
  category: MetricCategory,
  accepted: number,
  rejected: readonly RejectedItem[],
): void {
  if (accepted > 0) own.samplesIngested.inc({ category }, accepted);
  for (const item of rejected) own.samplesRejected.inc({ code: item.code });
}

function batchCategory(body: unknown): 'custom' | 'business' {
  const category = Array.isArray(body) ? undefined : (body as { category?: unknown }).category;
  if (category === undefined || category === 'custom' || category === 'business') return category ?? 'custom';
  throw new DomainError('validation_failed', 422, 'category must be "custom" or "business"', 'category');
}
