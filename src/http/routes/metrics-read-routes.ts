import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { MetricStore } from '../../storage/ports.js';
import type { FamilyView, TsdbReader } from '../../tsdb/read-port.js';
import { toJsonValue } from '../../domain/sample-value.js';
import { errorResponses } from '../problem.js';
import { JsonValue } from './value-schemas.js';

export interface MetricsReadDeps {
  reader: TsdbReader;
  store: MetricStore;
}

const SeriesValueSchema = Type.Object({
  labels: Type.Record(Type.String(), Type.String()),
  value: JsonValue('Current value; for a histogram, the number of observations.'),
  sum: Type.Optional(JsonValue('Histograms: sum of the observations.')),
  updatedAt: Type.Number({ description: 'Time of the newest sample, ms since the epoch.' }),
});

const FamilySchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  category: Type.String(),
  help: Type.String(),
  unit: Type.String(),
  seriesCount: Type.Integer(),
  total: JsonValue('Sum of the current values over all series.'),
  series: Type.Array(SeriesValueSchema),
  truncated: Type.Boolean({ description: 'True when `limit` cut the series list.' }),
});

const ListQuery = Type.Object({
  name: Type.Optional(Type.String({ description: 'Only the metric with this name.' })),
  limit: Type.Integer({
    minimum: 0,
    maximum: 100_000,
    default: 1000,
    description: 'Series listed per metric at most.',
  }),
});

const SummarySchema = Type.Object({
  families: Type.Integer(),
  series: Type.Integer({
    description: 'Numeric series in memory (histograms count buckets, sum and count).',
  }),
  byType: Type.Record(Type.String(), Type.Integer()),
  byCategory: Type.Record(Type.String(), Type.Integer()),
  storage: Type.Object({ bytesOnDisk: Type.Integer(), chunks: Type.Integer(), walEntries: Type.Integer() }),
  metrics: Type.Array(FamilySchema),
});

/** GET /api/metrics/summary: current values with their labels (business view: business-routes.ts). */
export function metricsReadRoutes(deps: MetricsReadDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/metrics/summary',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Overview of every metric with its current values',
          querystring: ListQuery,
          response: { 200: SummarySchema, ...errorResponses(422) },
        },
      },
      async (request) => {
        const families = deps.reader.families({ name: request.query.name });
        const byType: Record<string, number> = {};
        const byCategory: Record<string, number> = {};
        for (const family of families) {
          byType[family.def.type] = (byType[family.def.type] ?? 0) + 1;
          byCategory[family.def.category] = (byCategory[family.def.category] ?? 0) + 1;
        }
        return {
          families: families.length,
          series: deps.reader.activeSeries,
          byType,
          byCategory,
          storage: await deps.store.stats(),
          metrics: families.map((family) => describeFamily(family, request.query.limit)),
        };
      },
    );
    return Promise.resolve();
  };
}

function describeFamily(family: FamilyView, limit: number): Static<typeof FamilySchema> {
  const series: Static<typeof SeriesValueSchema>[] = [];
  let total = 0;
  const histogram = family.def.type === 'histogram';
  for (const set of family.sets.values()) {
    if (!set.committed) continue;
    const value = histogram ? set.values[set.values.length - 1]! : set.values[0]!;
    total += value;
    if (series.length >= limit) continue;
    const entry: Static<typeof SeriesValueSchema> = {
      labels: { ...set.labels },
      value: toJsonValue(value),
      updatedAt: set.lastT,
    };
    if (histogram) entry.sum = toJsonValue(set.values[set.values.length - 2]!);
    series.push(entry);
  }
  const { name, type, category, help, unit } = family.def;
  return {
    name,
    type,
    category,
    help,
    unit,
    seriesCount: family.sets.size,
    total: toJsonValue(total),
    series,
    truncated: family.sets.size > series.length,
  };
}
