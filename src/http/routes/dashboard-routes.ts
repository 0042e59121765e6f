import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { alertView } from '../../alerting/alert-views.js';
import { DomainError } from '../../domain/errors.js';
import { countStates } from '../../domain/health-state.js';
import { parseDuration, parseTime } from '../../query/time-params.js';
import { CHART_TYPES, chartSeries } from '../../realtime/charts.js';
import { applicationFigures, businessFigures, healthFigures } from '../../realtime/snapshots.js';
import type { Services } from '../../services.js';
import { errorResponses } from '../problem.js';
import { ServiceCountsSchema } from './health-schemas.js';
import { jsonPoints } from '../../domain/sample-value.js';
import { PointSchema } from './value-schemas.js';

const tags = ['dashboard'];
const Nullable = Type.Union([Type.Number(), Type.Null()]);
const MAX_CHART_POINTS = 2000;

const SummarySchema = Type.Object({
  generatedAt: Type.Number(),
  services: ServiceCountsSchema,
  alerts: Type.Object({
    firing: Type.Integer(),
    pending: Type.Integer(),
    acknowledged: Type.Integer(),
    bySeverity: Type.Record(Type.String(), Type.Integer(), { description: 'Firing alerts per severity.' }),
  }),
  requestsPerSecond: Nullable,
  errorRatio: Nullable,
  latencyP95Seconds: Nullable,
  cpuUsageRatio: Nullable,
  memoryUsedRatio: Nullable,
});

/** The seed's /api/dashboard routes: headline figures, what the socket pushes, series ready to plot. */
export function dashboardRoutes(services: Services): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/dashboard/summary',
      {
        schema: {
          tags,
          summary: 'Headline figures: services by state, alerts by state and severity, traffic, CPU, memory',
          response: { 200: SummarySchema, ...errorResponses() },
        },
      },
      async () => {
        const states = services.health.checker.list().map((s) => s.tracker.state);
        const active = services.alerting.engine.activeAlerts();
        const firing = active.filter((a) => a.state === 'firing');
        const bySeverity: Record<string, number> = {};
        for (const alert of firing) bySeverity[alert.severity] = (bySeverity[alert.severity] ?? 0) + 1;
        const application = await applicationFigures(services);
        const system = services.system.snapshot;
        return {
          generatedAt: Date.now(),
          services: countStates(states),
          alerts: {
            firing: firing.length,
            pending: active.filter((a) => a.state === 'pending').length,
            acknowledged: firing.filter((a) => a.acknowledgedAt !== undefined).length,
            bySeverity,
          },
          requestsPerSecond: application.requestsPerSecond,
          errorRatio: application.errorRatio,
          latencyP95Seconds: application.latencySeconds.p95,
          cpuUsageRatio: system?.cpu.usageRatio ?? null,
          memoryUsedRatio: system?.memory.usedRatio ?? null,
        };
      },
    );

    app.get(
      '/api/dashboard/realtime',
      {
        schema: {
          tags,
          summary:
            'The latest values, as the socket pushes them (system, application, business, health, alerts)',
          response: {
            200: Type.Object({
              at: Type.Number(),
              system: Type.Unknown(),
              application: Type.Unknown(),
              business: Type.Array(Type.Unknown()),
              health: Type.Array(Type.Unknown()),
              alerts: Type.Array(Type.Unknown()),
            }),
            ...errorResponses(),
          },
        },
      },
      async () => ({
        at: Date.now(),
        system: services.system.snapshot ?? null,
        application: await applicationFigures(services),
        business: businessFigures(services),
        health: healthFigures(services),
        alerts: services.alerting.engine.activeAlerts().map(alertView),
      }),
    );

    app.get(
      '/api/dashboard/charts/:type',
      {
        schema: {
          tags,
          summary: `Series ready to plot: ${CHART_TYPES.join(', ')}`,
          params: Type.Object({ type: Type.String({ maxLength: 32 }) }),
          querystring: Type.Object({
            range: Type.Optional(Type.String({ description: 'How far back: 15m, 1h (default), 24h, 7d…' })),
            end: Type.Optional(Type.String({ description: 'ms, ISO 8601 or now (default).' })),
            step: Type.Optional(Type.String({ description: 'Between points; default range / 300.' })),
          }),
          response: {
            200: Type.Object({
              type: Type.String(),
              start: Type.Number(),
              end: Type.Number(),
              step: Type.Number(),
              series: Type.Array(
                Type.Object({
                  name: Type.String(),
                  labels: Type.Record(Type.String(), Type.String()),
                  points: Type.Array(PointSchema()),
                }),
              ),
            }),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request) => {
        const now = Date.now();
        const q = request.query;
        const end = q.end === undefined ? now : parseTime(q.end, now, 'end');
        const rangeMs = parseDuration(q.range ?? '1h', 'range');
        const stepMs =
          q.step === undefined ? Math.max(1000, Math.ceil(rangeMs / 300)) : parseDuration(q.step, 'step');
        if (stepMs <= 0 || rangeMs / stepMs > MAX_CHART_POINTS)
          throw new DomainError(
            'invalid_query',
            422,
            `at most ${String(MAX_CHART_POINTS)} points: use a larger step`,
            'step',
          );
        const start = end - rangeMs;
        const series = await chartSeries(services, request.params.type, { start, end, stepMs });
        return {
          type: request.params.type,
          start,
          end,
          step: stepMs,
          series: series.map((s) => ({ ...s, points: jsonPoints(s.points) })),
        };
      },
    );
    return Promise.resolve();
  };
}
