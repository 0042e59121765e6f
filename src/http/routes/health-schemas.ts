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

/** One check as the heartbeat bar draws it. */
export const HeartbeatSchema = Type.Object({
  at: Type.Number(),
  state: Type.Union(
    [Type.Literal('up'), Type.Literal('degraded'), Type.Literal('pending'), Type.Literal('down')],
    {
      description: 'pending: failed, not yet `retries` times in a row.',
    },
  ),
  durationMs: Type.Number(),
  statusCode: Type.Optional(Type.Integer()),
  reason: Type.Optional(Reason),
});

export const IncidentSchema = Type.Object({
  start: Type.Number(),
  end: Type.Union([Type.Number(), Type.Null()], { description: 'null: still going on.' }),
  durationMs: Type.Number(),
  state: Type.Union([Type.Literal('down'), Type.Literal('degraded')]),
  reason: Type.Union([Reason, Type.Null()]),
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
  tags: Type.Array(Type.String()),
  group: Type.Union([Type.String(), Type.Null()]),
  paused: Type.Boolean({ description: 'Not checked on schedule (POST …/pause, …/resume).' }),
  heartbeats: Type.Optional(
    Type.Array(HeartbeatSchema, { description: 'With ?heartbeats=N: the last N checks.' }),
  ),
});

/** POST /api/health/services's answer: a push monitor's token comes with it, the one time it is shown. */
export const CreatedServiceSchema = Type.Intersect([
  ServiceStatusSchema,
  Type.Object({
    pushToken: Type.Optional(
      Type.String({
        description:
          'Push monitors only: the secret token of `/api/push/{token}`, shown this once (only its hash is kept; POST …/push-token rotates it).',
      }),
    ),
    pushPath: Type.Optional(Type.String({ description: 'Push monitors only: `/api/push/` and the token.' })),
  }),
]);

export const ServiceDetailSchema = Type.Intersect([
  ServiceStatusSchema,
  Type.Object({
    windows: Type.Object({ '24h': Window, '7d': Window, '30d': Window, '365d': Window }),
    incidents: Type.Array(IncidentSchema, {
      description: 'Times not UP in the last 30 days (from the state changes), newest first, up to 100.',
    }),
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

export const ServiceListQuerySchema = Type.Object(
  {
    heartbeats: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 100,
        default: 0,
        description: 'Add the last N checks of each service.',
      }),
    ),
    tag: Type.Optional(Type.String({ maxLength: 64, description: 'Only services with this tag.' })),
    group: Type.Optional(Type.String({ maxLength: 128, description: 'Only services of this group.' })),
    state: Type.Optional(
      Type.Union(
        ['up', 'degraded', 'down', 'unknown', 'paused'].map((s) => Type.Literal(s)),
        { description: 'Only services in this state.' },
      ),
    ),
    q: Type.Optional(
      Type.String({ maxLength: 256, description: 'Name, URL, group or tag containing this text.' }),
    ),
  },
  { additionalProperties: false },
);

export const HeartbeatQuerySchema = Type.Object(
  { limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 30 })) },
  { additionalProperties: false },
);

export const ReportQuerySchema = Type.Object(
  {
    month: Type.String({
      pattern: '^(19[7-9][0-9]|[2-9][0-9]{3})-(0[1-9]|1[0-2])$',
      description: 'The month, YYYY-MM, in the zone `tz`.',
      examples: ['2026-11'],
    }),
    tz: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 64,
        description:
          'IANA time zone whose local days and month boundaries the report counts (DST days are 23 or 25 h); default UTC. An unknown zone is 422 invalid_time_zone.',
        examples: ['Europe/Paris'],
      }),
    ),
    target: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: "SLA target in percent; default the service's slaTarget, else 99.9.",
        examples: [99.5],
      }),
    ),
    format: Type.Optional(
      Type.Union([Type.Literal('json'), Type.Literal('csv')], {
        description: 'csv: text/csv (as Accept: text/csv does).',
      }),
    ),
  },
  { additionalProperties: false },
);

const Day = Type.Object({
  date: Type.String({ description: 'YYYY-MM-DD, the local date in the report’s zone.' }),
  start: Type.String({ description: 'When that local day begins, UTC ISO 8601.' }),
  checks: Type.Integer(),
  uptimePercent: Type.Union([Type.Number(), Type.Null()], { description: 'null: no check that day.' }),
  downtimeMinutes: Type.Number(),
  incidents: Type.Integer(),
  slaMet: Type.Union([Type.Boolean(), Type.Null()]),
});

export const ReportSchema = Type.Object({
  service: Type.String(),
  month: Type.String(),
  timeZone: Type.String({ description: 'The IANA zone of the days (tz, default UTC).' }),
  slaTarget: Type.Number(),
  checks: Type.Integer(),
  uptimePercent: Type.Union([Type.Number(), Type.Null()]),
  downtimeMinutes: Type.Number(),
  incidents: Type.Integer(),
  slaMet: Type.Union([Type.Boolean(), Type.Null()]),
  days: Type.Array(Day),
  incidentList: Type.Array(IncidentSchema, {
    description: 'Oldest first; one open at the start begins then.',
  }),
});
