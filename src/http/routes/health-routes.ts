import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { countStates, overallHealth } from '../../domain/health-state.js';
import type { Health } from '../../health/create-health.js';
import type { WatchedService } from '../../health/health-checker.js';
import { statusView, uptimes24h, windowsOf } from '../../health/health-views.js';
import { ServiceInputSchema, ServicePatchSchema } from '../../health/service-schema.js';
import { errorResponses } from '../problem.js';
import {
  CheckRequestSchema,
  OverallSchema,
  ServiceDetailSchema,
  ServiceStatusSchema,
} from './health-schemas.js';

export interface HealthRouteDeps {
  health: Health;
  /** The service's own dependencies: store, Redis when configured, each ok / error: … / not_configured. */
  dependencies: () => Promise<Record<string, string>>;
  serviceName: string;
  version: string;
  startedAt: number;
}

const NameParams = Type.Object({ name: Type.String({ maxLength: 128 }) });
const tags = ['health'];

/** The seed's /api/health routes: overall state, the watched services, forced checks, registration. */
export function healthRoutes(deps: HealthRouteDeps): FastifyPluginAsyncTypebox {
  const { checker, store, recorder } = deps.health;

  const withUptime = async (services: readonly WatchedService[]) => {
    const uptimes = await uptimes24h(store, Date.now());
    return services.map((s) => statusView(s, uptimes.get(s.id) ?? null));
  };
  const detail = async (service: WatchedService) => {
    const now = Date.now();
    const [uptimes, windows, events] = await Promise.all([
      uptimes24h(store, now),
      windowsOf(service, store, now),
      store.events(service.id, 0, 50),
    ]);
    return {
      ...statusView(service, uptimes.get(service.id) ?? null),
      windows,
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
          summary: 'Every watched service with its state, last check and 24 h uptime',
          response: { 200: Type.Object({ services: Type.Array(ServiceStatusSchema) }), ...errorResponses() },
        },
      },
      async () => ({ services: await withUptime(checker.list()) }),
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
          summary: 'Register a service (checked at once, then every `interval` ms)',
          body: ServiceInputSchema,
          response: { 201: ServiceStatusSchema, ...errorResponses(409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const service = await checker.add(request.body);
        void reply
          .code(201)
          .header('location', `/api/health/services/${encodeURIComponent(service.definition.name)}`);
        return statusView(service, null);
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
