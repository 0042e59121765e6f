import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { countStates, overallHealth } from '../../domain/health-state.js';
import type { Health } from '../../health/create-health.js';
import type { WatchedService } from '../../health/health-checker.js';
import {
  matchesFilter,
  statusView,
  uptimes24h,
  windowsOf,
  type ServiceFilter,
} from '../../health/health-views.js';
import { incidentsOf } from '../../health/incidents.js';
import { ServiceInputSchema, ServicePatchSchema } from '../../health/service-schema.js';
import type { PushTokens } from '../../health/push-tokens.js';
import { DEFAULT_SLA_TARGET, monthlyReport, reportCsv } from '../../health/sla-report.js';
import { errorResponses } from '../problem.js';
import {
  CheckRequestSchema,
  HeartbeatQuerySchema,
  HeartbeatSchema,
  OverallSchema,
  ReportQuerySchema,
  ReportSchema,
  ServiceDetailSchema,
  ServiceListQuerySchema,
  CreatedServiceSchema,
  ServiceStatusSchema,
} from './health-schemas.js';

export interface HealthRouteDeps {
  health: Health;
  /** The service's own dependencies: store, Redis when configured, each ok / error: … / not_configured. */
  dependencies: () => Promise<Record<string, string>>;
  serviceName: string;
  version: string;
  startedAt: number;
  /** Push monitors' tokens: a new push monitor's token is in its create response (shown that once). */
  pushTokens?: PushTokens;
}

const NameParams = Type.Object({ name: Type.String({ maxLength: 128 }) });
const tags = ['health'];
const DAY_MS = 86_400_000;
/** The detail's incident history: the last 30 days (events are kept HEALTH_CHECKS_TTL). */
const INCIDENT_WINDOW_MS = 30 * DAY_MS;
const INCIDENTS_SHOWN = 100;

/** A text/csv answer offered as a file download (the route's JSON schema does not apply to it). */
function sendCsv(reply: FastifyReply, file: string, body: string): FastifyReply {
  return reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file}"`)
    .send(body);
}

/** The seed's /api/health routes: overall state, the watched services, forced checks, registration. */
export function healthRoutes(deps: HealthRouteDeps): FastifyPluginAsyncTypebox {
  const { checker, store, recorder, heartbeats } = deps.health;

  const withUptime = async (services: readonly WatchedService[], beats = 0) => {
    const [uptimes, bars] = await Promise.all([
      uptimes24h(store, Date.now()),
      beats > 0
        ? heartbeats.lastOf(
            services.map((s) => s.id),
            beats,
          )
        : undefined,
    ]);
    return services.map((s) => ({
      ...statusView(s, uptimes.get(s.id) ?? null),
      ...(bars === undefined ? {} : { heartbeats: bars.get(s.id) ?? [] }),
    }));
  };
  const incidents = async (service: WatchedService, now: number) => {
    const from = now - INCIDENT_WINDOW_MS;
    const [events, before] = await Promise.all([
      store.eventsBetween(service.id, from, now + 1, 10_000),
      store.eventBefore(service.id, from),
    ]);
    return incidentsOf(events, { from, to: now + 1, before }, now)
      .reverse()
      .slice(0, INCIDENTS_SHOWN);
  };
  const detail = async (service: WatchedService) => {
    const now = Date.now();
    const [uptimes, windows, events, history, beats] = await Promise.all([
      uptimes24h(store, now),
      windowsOf(service, store, now),
      store.events(service.id, 0, 50),
      incidents(service, now),
      heartbeats.last(service.id, 30),
    ]);
    return {
      ...statusView(service, uptimes.get(service.id) ?? null),
      heartbeats: beats,
      windows,
      incidents: history,
      events: events.map((e) => ({
        at: e.at,
        previous: e.previous,
        state: e.state,
        reason: e.reasonCode === null ? null : { code: e.reasonCode, message: e.reason ?? '' },
      })),
    };
  };

  return (app) => {
    app.get(
      '/api/health',
      {
        schema: {
          tags,
          summary: 'Overall state: this service, its store (and Redis), and the watched services',
          response: { 200: OverallSchema, ...errorResponses() },
        },
      },
      async () => {
        const components = await deps.dependencies();
        const storeOk = !Object.values(components).some((state) => state.startsWith('error'));
        const states = checker.list().map((s) => s.tracker.state);
        const worst = overallHealth(states);
        return {
          status:
            !storeOk || worst === 'down'
              ? ('down' as const)
              : worst === 'up'
                ? ('ok' as const)
                : ('degraded' as const),
          timestamp: Date.now(),
          service: {
            name: deps.serviceName,
            version: deps.version,
            uptimeSeconds: (Date.now() - deps.startedAt) / 1000,
          },
          components,
          services: countStates(states),
        };
      },
    );

    app.get(
      '/api/health/services',
      {
        schema: {
          tags,
          summary:
            'Every watched service with its state, last check and 24 h uptime; filters by tag, group, state, text; ?heartbeats=N adds the last N checks',
          querystring: ServiceListQuerySchema,
          response: {
            200: Type.Object({ services: Type.Array(ServiceStatusSchema) }),
            ...errorResponses(422),
          },
        },
      },
      async (request) => {
        const { heartbeats: beats = 0, ...filter } = request.query;
        const chosen = checker.list().filter((s) => matchesFilter(s, filter as ServiceFilter));
        return { services: await withUptime(chosen, beats) };
      },
    );

    app.get(
      '/api/health/services/:name/heartbeats',
      {
        schema: {
          tags,
          summary:
            'The last checks of a service, oldest first: state, response time, reason (the last 100 are kept)',
          params: NameParams,
          querystring: HeartbeatQuerySchema,
          response: {
            200: Type.Object({ heartbeats: Type.Array(HeartbeatSchema) }),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request) => ({
        heartbeats: await heartbeats.last(checker.get(request.params.name).id, request.query.limit ?? 30),
      }),
    );

    app.get(
      '/api/health/services/:name/report',
      {
        schema: {
          tags,
          summary:
            'Monthly uptime / SLA report (local days of `tz`, default UTC): uptime, downtime minutes, incidents, target met; JSON, or CSV with Accept: text/csv or format=csv',
          params: NameParams,
          querystring: ReportQuerySchema,
          response: {
            200: {
              description: 'The report: JSON, or CSV (one row per day, then the month) when asked for.',
              content: {
                'application/json': { schema: ReportSchema },
                'text/csv': {
                  schema: Type.String({
                    examples: [
                      'date,checks,uptime_percent,downtime_minutes,incidents,sla_target_percent,sla_met\r\n2026-11-01,2880,100,0,0,99.9,true\r\n',
                    ],
                  }),
                },
              },
            },
            ...errorResponses(404, 422),
          },
        },
      },
      async (request, reply) => {
        const service = checker.get(request.params.name);
        const { month, target, format, tz } = request.query;
        const report = await monthlyReport(
          store,
          { id: service.id, name: service.definition.name },
          month,
          target ?? service.input.slaTarget ?? DEFAULT_SLA_TARGET,
          Date.now(),
          tz ?? 'UTC',
        );
        const wantsCsv =
          format === 'csv' || (format === undefined && /\btext\/csv\b/.test(request.headers.accept ?? ''));
        if (!wantsCsv) return report;
        return sendCsv(reply, `${service.definition.name}-${month}.csv`, reportCsv(report));
      },
    );

    for (const paused of [true, false])
      app.post(
        `/api/health/services/:name/${paused ? 'pause' : 'resume'}`,
        {
          schema: {
            tags,
            summary: paused
              ? 'Pause a service: no scheduled check until resumed (its history stays)'
              : 'Resume a paused service (checked at once)',
            params: NameParams,
            response: { 200: ServiceStatusSchema, ...errorResponses(404, 409) },
          },
        },
        async (request) => statusView(await checker.patch(request.params.name, { paused }), null),
      );

    app.get(
      '/api/health/services/:name',
      {
        schema: {
          tags,
          summary:
            'One service: state, uptime and response-time percentiles over 24 h / 7 d / 30 d, state changes',
          params: NameParams,
          response: { 200: ServiceDetailSchema, ...errorResponses(404) },
        },
      },
      (request) => detail(checker.get(request.params.name)),
    );

    app.post(
      '/api/health/services',
      {
        schema: {
          tags,
          summary:
            'Register a service (checked at once, then every `interval` ms); a push monitor’s secret token is in the answer, once',
          body: ServiceInputSchema,
          response: { 201: CreatedServiceSchema, ...errorResponses(409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const service = await checker.add(request.body);
        void reply
          .code(201)
          .header('location', `/api/health/services/${encodeURIComponent(service.definition.name)}`);
        if (service.definition.type !== 'push' || deps.pushTokens === undefined)
          return statusView(service, null);
        // Only the hash is kept: this answer is the one place the token is seen (rotation issues a new one).
        const pushToken = await deps.pushTokens.issue({
          service: service.definition.name,
          createdAt: service.createdAt,
        });
        void reply.header('cache-control', 'no-store');
        return { ...statusView(service, null), pushToken, pushPath: `/api/push/${pushToken}` };
      },
    );

    app.put(
      '/api/health/services/:name',
      {
        schema: {
          tags,
          summary: 'Replace a service definition',
          params: NameParams,
          body: ServiceInputSchema,
          response: { 200: ServiceStatusSchema, ...errorResponses(404, 409, 413, 415, 422) },
        },
      },
      async (request) => statusView(await checker.replace(request.params.name, request.body), null),
    );

    app.patch(
      '/api/health/services/:name',
      {
        schema: {
          tags,
          summary: 'Change some fields of a service definition',
          params: NameParams,
          body: ServicePatchSchema,
          response: { 200: ServiceStatusSchema, ...errorResponses(404, 409, 413, 415, 422) },
        },
      },
      async (request) => statusView(await checker.patch(request.params.name, request.body), null),
    );

    app.delete(
      '/api/health/services/:name',
      {
        schema: {
          tags,
          summary: 'Stop watching a service and delete its history',
          params: NameParams,
          response: { 204: Type.Null(), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        await checker.remove(request.params.name);
        return reply.code(204).send(null);
      },
    );

    app.post(
      '/api/health/check',
      {
        schema: {
          tags,
          summary: 'Check now: one service ({"name": …}) or all of them; answers the fresh states',
          body: Type.Optional(CheckRequestSchema),
          response: {
            200: Type.Object({ services: Type.Array(ServiceStatusSchema) }),
            ...errorResponses(404, 415, 422),
          },
        },
      },
      async (request) => {
        // No body (an empty one, see http/optional-body.ts) checks everything.
        const checked = await checker.checkNow(request.body.name);
        await recorder.flush();
        return { services: await withUptime(checked) };
      },
    );
    return Promise.resolve();
  };
}
