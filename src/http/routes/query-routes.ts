import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import { parseFunction } from '../../query/functions.js';
import { parseMatcher } from '../../query/matchers.js';
import { MAX_POINTS, type QueryEngine } from '../../query/range-query.js';
import { parseDuration, parsePositiveDuration, parseTime } from '../../query/time-params.js';
import { errorResponses } from '../problem.js';
import { jsonPoints } from '../../domain/sample-value.js';
import { PointSchema } from './value-schemas.js';

const QuerySchema = Type.Object({
  metric: Type.String({ minLength: 1, description: 'Metric name.' }),
  match: Type.Optional(
    Type.Array(Type.String(), {
      description:
        'Label matchers, PromQL style, repeatable: service="booking", env!="dev", route=~"/api/.*", code!~"2..".',
    }),
  ),
  start: Type.Optional(
    Type.String({ description: 'ms since the epoch, ISO 8601, now, now-1h. Default now-1h.' }),
  ),
  end: Type.Optional(Type.String({ description: 'Same forms as start. Default now.' })),
  step: Type.Optional(
    Type.String({ description: 'Step between points: 15s, 1m, or seconds. Default: range / points.' }),
  ),
  points: Type.Optional(
    Type.Integer({
      minimum: 1,
      maximum: MAX_POINTS,
      description: 'Points wanted when no step is given (default 500).',
    }),
  ),
  window: Type.Optional(Type.String({ description: 'Window each point aggregates; default the step.' })),
  fn: Type.Optional(
    Type.String({
      description:
        'last, avg, min, max, sum, count, rate, increase, or a quantile p50, p90, p95, p99. Default: last; p95 for histograms.',
    }),
  ),
  by: Type.Optional(
    Type.String({ description: 'Comma-separated labels to group by; other labels are aggregated away.' }),
  ),
  agg: Type.Optional(
    Type.Union(
      [
        Type.Literal('sum'),
        Type.Literal('avg'),
        Type.Literal('min'),
        Type.Literal('max'),
        Type.Literal('count'),
      ],
      {
        description:
          'How grouped series combine. Default: min/max for min/max, avg for avg and quantiles, else sum.',
      },
    ),
  ),
});

const ResultSchema = Type.Object({
  metric: Type.String(),
  type: Type.String(),
  fn: Type.String(),
  start: Type.Number(),
  end: Type.Number(),
  step: Type.Number({ description: 'Seconds.' }),
  series: Type.Array(
    Type.Object({
      labels: Type.Record(Type.String(), Type.String()),
      points: Type.Array(PointSchema(), {
        description: '[time ms, value] pairs.',
      }),
    }),
  ),
});

/** GET /api/metrics/query: a range query for charts and alerts. */
export function queryRoutes(deps: { query: QueryEngine; clock?: () => number }): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/metrics/query',
      {
        schema: {
          tags: ['metrics'],
          summary: 'Range query: one metric, label matchers, a time range, a step and a function',
          querystring: QuerySchema,
          response: { 200: ResultSchema, ...errorResponses(404, 422) },
        },
      },
      async (request) => {
        const q = request.query;
        const now = (deps.clock ?? Date.now)();
        const end = q.end === undefined ? now : parseTime(q.end, now, 'end');
        const start = q.start === undefined ? end - 3_600_000 : parseTime(q.start, now, 'start');
        if (end < start) throw new DomainError('invalid_query', 422, 'end is before start', 'end');
        const stepMs =
          q.step === undefined
            ? Math.max(1000, Math.ceil((end - start) / (q.points ?? 500)))
            : parseDuration(q.step, 'step');
        if (stepMs <= 0) throw new DomainError('invalid_query', 422, 'step must be positive', 'step');
        const family = deps.query.family(q.metric);
        const by = q.by
          ?.split(',')
          .map((s) => s.trim())
          .filter(Boolean);
        const result = await deps.query.range({
          metric: q.metric,
          matchers: (q.match ?? []).map((m) => parseMatcher(m)),
          start,
          end,
          stepMs,
          windowMs: q.window === undefined ? stepMs : parsePositiveDuration(q.window, 'window'),
          fn: parseFunction(q.fn, family.def.type),
          ...(by === undefined ? {} : { by }),
          ...(q.agg === undefined ? {} : { agg: q.agg }),
        });
        return {
          ...result,
          series: result.series.map((s) => ({ labels: s.labels, points: jsonPoints(s.points) })),
        };
      },
    );
    return Promise.resolve();
  };
}
