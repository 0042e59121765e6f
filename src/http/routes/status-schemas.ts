import { Type } from '@sinclair/typebox';
import { discriminatedUnion } from '../discriminated-union.js';

export const SlugSchema = Type.String({
  pattern: '^[a-z0-9][a-z0-9-]{0,62}$',
  description: 'Lower-case letters, digits and dashes; the page is at /status/<slug>.',
});

export const StatusPageInput = Type.Object(
  {
    slug: SlugSchema,
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    services: Type.Array(
      Type.Object(
        {
          name: Type.String({ minLength: 1, maxLength: 128, description: 'The watched service.' }),
          publicName: Type.String({ minLength: 1, maxLength: 128, description: 'What the public sees.' }),
        },
        { additionalProperties: false },
      ),
      { maxItems: 500 },
    ),
  },
  {
    additionalProperties: false,
  },
);

export const StatusPageSchema = Type.Object({
  slug: Type.String(),
  title: Type.String(),
  description: Type.String(),
  services: Type.Array(Type.Object({ name: Type.String(), publicName: Type.String() })),
  createdAt: Type.String(),
  updatedAt: Type.String(),
});

const IncidentStatusSchema = Type.Union([
  Type.Literal('investigating'),
  Type.Literal('identified'),
  Type.Literal('monitoring'),
  Type.Literal('resolved'),
]);

export const IncidentInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    impact: Type.Union([
      Type.Literal('none'),
      Type.Literal('minor'),
      Type.Literal('major'),
      Type.Literal('critical'),
    ]),
    status: IncidentStatusSchema,
    message: Type.String({ minLength: 1, maxLength: 5000 }),
  },
  {
    additionalProperties: false,
  },
);

export const IncidentUpdateInput = Type.Object(
  { status: IncidentStatusSchema, message: Type.String({ minLength: 1, maxLength: 5000 }) },
  {
    additionalProperties: false,
  },
);

export const IncidentSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  impact: Type.String(),
  status: Type.String(),
  createdAt: Type.String(),
  resolvedAt: Type.Union([Type.String(), Type.Null()]),
  updates: Type.Array(Type.Object({ at: Type.String(), status: Type.String(), message: Type.String() })),
});

const Recurring = {
  durationMinutes: Type.Integer({ minimum: 1, maximum: 10_080 }),
  timeZone: Type.String({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Paris.' }),
};
const At = Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'HH:MM, 24 h.' });

const ScheduleShapes = Type.Union([
  Type.Object(
    {
      kind: Type.Literal('once'),
      startsAt: Type.String({ maxLength: 64 }),
      endsAt: Type.String({ maxLength: 64 }),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('weekly'),
      weekdays: Type.Array(Type.Integer({ minimum: 0, maximum: 6 }), { minItems: 1, maxItems: 7 }),
      at: At,
      ...Recurring,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      kind: Type.Literal('monthly'),
      daysOfMonth: Type.Array(Type.Integer({ minimum: 1, maximum: 31 }), { minItems: 1, maxItems: 31 }),
      at: At,
      ...Recurring,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { kind: Type.Literal('cron'), expression: Type.String({ maxLength: 200 }), ...Recurring },
    { additionalProperties: false },
  ),
]);

/** Once, weekly, monthly or cron, told apart by `kind`. */
export const ScheduleSchema = discriminatedUnion(ScheduleShapes, 'kind');

export const MaintenanceInput = Type.Object(
  {
    title: Type.String({ minLength: 1, maxLength: 200 }),
    description: Type.Optional(Type.String({ maxLength: 2000 })),
    services: Type.Array(Type.String({ minLength: 1, maxLength: 128 }), { minItems: 1, maxItems: 500 }),
    schedule: ScheduleSchema,
  },
  {
    additionalProperties: false,
  },
);

export const MaintenanceSchema = Type.Object({
  id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  services: Type.Array(Type.String()),
  schedule: Type.Unknown(),
  active: Type.Boolean(),
  next: Type.Union([Type.Object({ startsAt: Type.String(), endsAt: Type.String() }), Type.Null()]),
  createdAt: Type.String(),
});

export const PublicStatusSchema = Type.Object({
  slug: Type.String(),
  title: Type.String(),
  description: Type.String(),
  overall: Type.String({ description: 'operational, degraded, outage, maintenance or unknown.' }),
  services: Type.Array(
    Type.Object({
      name: Type.String({ description: 'The public name.' }),
      state: Type.String(),
      uptime24h: Type.Union([Type.Number(), Type.Null()]),
      uptime30d: Type.Union([Type.Number(), Type.Null()]),
    }),
  ),
  incidents: Type.Array(IncidentSchema),
  maintenance: Type.Array(
    Type.Object({
      title: Type.String(),
      description: Type.String(),
      active: Type.Boolean(),
      startsAt: Type.Union([Type.String(), Type.Null()]),
      endsAt: Type.Union([Type.String(), Type.Null()]),
      recurring: Type.Boolean(),
      services: Type.Array(Type.String()),
    }),
  ),
});
