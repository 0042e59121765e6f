import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  funnelsOf,
  stepOrderOf,
  summarizeFamily,
  type Funnel,
  type BusinessMetric,
} from '../../collectors/business/business-summary.js';
import type { QueryEngine } from '../../query/range-query.js';
import { parsePositiveDuration } from '../../query/time-params.js';
import { WindowReader } from '../../query/window-reader.js';
import type { TsdbReader } from '../../tsdb/read-port.js';
import { withJsonValues } from '../../domain/sample-value.js';
import { errorResponses } from '../problem.js';
import { JsonValue, JsonValueOrNull } from './value-schemas.js';

// Sample values: a number or "NaN", "+Inf", "-Inf" (ADR 0008).
const Maybe = Type.Optional(JsonValueOrNull());
const Figures = {
  current: JsonValue('counter: total so far; gauge: current value; histogram: observations so far.'),
  increase: Type.Optional(JsonValue('counter: increase over the window; histogram: observations.')),
  ratePerSecond: Type.Optional(JsonValue('Per second over the window.')),
  avg: Maybe,
  min: Maybe,
  max: Maybe,
  p50: Maybe,
  p95: Maybe,
};

const BusinessSchema = Type.Object({
  windowSeconds: Type.Number(),
  metrics: Type.Array(
    Type.Object({
      name: Type.String(),
      type: Type.String(),
      help: Type.String(),
      unit: Type.String(),
      window: Type.Object(Figures, { description: 'The whole metric (all series together).' }),
      series: Type.Array(Type.Object({ labels: Type.Record(Type.String(), Type.String()), ...Figures })),
      truncated: Type.Boolean(),
    }),
  ),
  funnels: Type.Array(
    Type.Object({
      metric: Type.String(),
      labels: Type.Record(Type.String(), Type.String()),
      steps: Type.Array(
        Type.Object({
          step: Type.String(),
          value: JsonValue("The step's figure over the window."),
          conversionFromFirst: JsonValueOrNull(),
          conversionFromPrevious: JsonValueOrNull(),
        }),
      ),
    }),
    { description: 'Metrics with a `step` label, steps in the order first pushed.' },
  ),
});

/** GET /api/metrics/business: business metrics with totals, rates and funnel conversions over a window. */
export function businessRoutes(deps: { reader: TsdbReader; query: QueryEngine }): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/metrics/business',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Business metrics with totals and rates over a window, and conversion funnels',
          querystring: Type.Object({
            window: Type.String({ default: '24h', description: 'Duration: 15m, 24h, 7d…' }),
            name: Type.Optional(Type.String({ description: 'Only the metric with this name.' })),
            limit: Type.Integer({
              minimum: 0,
              maximum: 10_000,
              default: 100,
              description: 'Series listed per metric.',
            }),
          }),
          response: { 200: BusinessSchema, ...errorResponses(422) },
        },
      },
      async (request) => {
        const { window, name, limit } = request.query;
        const reader = new WindowReader(deps.query, parsePositiveDuration(window, 'window'));
        const families = deps.reader.families({ name, category: 'business' });
        const metrics: BusinessMetric[] = [];
        const funnels: Funnel[] = [];
        for (const family of families) {
          const metric = await summarizeFamily(family, reader, limit);
          metrics.push(metric);
          const order = stepOrderOf(family);
          if (order.length > 0) funnels.push(...funnelsOf(metric, order));
        }
        return {
          windowSeconds: reader.windowMs / 1000,
          metrics: withJsonValues(metrics),
          funnels: withJsonValues(funnels),
        };
      },
    );
    return Promise.resolve();
  };
}
