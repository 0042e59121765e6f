import { Type } from '@sinclair/typebox';
import { HEALTH_STATES } from '../../domain/health-state.js';

const State = Type.Unsafe<(typeof HEALTH_STATES)[number]>({ type: 'string', enum: [...HEALTH_STATES] });

const Reason = Type.Object({
  code: Type.String({
    description: 'status_code, timeout, dns_error, tls_error, keyword_missing, egress_denied…',
  }),
  message: Type.String(),
});

const Window = Type.Object({
  checks: Type.Integer(),
  uptimeRatio: Type.Union([Type.Number(), Type.Null()], { description: 'null: no check in the window.' }),
  responseTimeMs: Type.Union([
    Type.Object({
      avg: Type.Number(),
      p50: Type.Number(),
      p95: Type.Number(),
      p99: Type.Number(),
      max: Type.Number(),
    }),
    Type.Null(),
  ]),
});

/** One watched service as the list and the detail answer it. */
export const ServiceStatusSchema = Type.Object({
  name: Type.String(),
  type: Type.String(),
  url: Type.String(),
  origin: Type.String({ description: 'api, or file (HEALTH_SERVICES_FILE: read-only here).' }),
  state: State,
  since: Type.Number({ description: 'When the state last changed (ms since the epoch).' }),
  consecutiveFailures: Type.Integer(),
  reason: Type.Union([Reason, Type.Null()], { description: 'Why it is down or degraded.' }),
  lastCheck: Type.Union([
    Type.Object({
      at: Type.Number(),
      ok: Type.Boolean(),
      durationMs: Type.Number(),
      statusCode: Type.Optional(Type.Integer()),
      tlsExpiresAt: Type.Optional(Type.Number()),
    }),
    Type.Null(),
  ]),
  interval: Type.Integer(),
  timeout: Type.Integer(),
  retries: Type.Integer(),
  uptime24h: Type.Union([Type.Number(), Type.Null()]),
  definition: Type.Record(Type.String(), Type.Unknown(), {
    description: 'As registered (defaults left out).',
  }),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});

export const ServiceDetailSchema = Type.Intersect([
  ServiceStatusSchema,
  Type.Object({
    windows: Type.Object({ '24h': Window, '7d': Window, '30d': Window }),
    events: Type.Array(
      Type.Object({
        at: Type.Number(),
        previous: Type.String(),
        state: Type.String(),
        reason: Type.Union([Reason, Type.Null()]),
      }),
      { description: 'State changes, newest first (up to 50).' },
    ),
  }),
]);

/** Watched services per state (countStates). */
export const ServiceCountsSchema = Type.Object({
  total: Type.Integer(),
  up: Type.Integer(),
  degraded: Type.Integer(),
  down: Type.Integer(),
  unknown: Type.Integer(),
});

export const OverallSchema = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('degraded'), Type.Literal('down')], {
    description:
      'down: the store or Redis fails, or a service is DOWN; degraded: a service is DEGRADED or unknown.',
  }),
  timestamp: Type.Number(),
  service: Type.Object({ name: Type.String(), version: Type.String(), uptimeSeconds: Type.Number() }),
  components: Type.Record(Type.String(), Type.String(), {
    description: 'store: ok or "error: <why>"; redis: the same, or not_configured without REDIS_URL.',
  }),
  services: ServiceCountsSchema,
});

export const CheckRequestSchema = Type.Object(
  { name: Type.Optional(Type.String({ description: 'One service; all when omitted.' })) },
  { additionalProperties: false },
);
