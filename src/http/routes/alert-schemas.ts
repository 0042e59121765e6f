import { Type } from '@sinclair/typebox';
import { JsonValueOrNull } from './value-schemas.js';

export const AlertSchema = Type.Object({
  id: Type.String(),
  ruleId: Type.String(),
  ruleName: Type.String(),
  state: Type.String({ description: 'pending, firing or resolved.' }),
  severity: Type.String(),
  labels: Type.Record(Type.String(), Type.String()),
  annotations: Type.Record(Type.String(), Type.String()),
  value: JsonValueOrNull('The value that last met the condition; "NaN", "+Inf", "-Inf" as text; null: none.'),
  acknowledged: Type.Boolean(),
  silencedBy: Type.Union([Type.String(), Type.Null()]),
  timeline: Type.Object({
    pendingAt: Type.String(),
    firedAt: Type.Union([Type.String(), Type.Null()]),
    acknowledgedAt: Type.Union([Type.String(), Type.Null()]),
    acknowledgedBy: Type.Union([Type.String(), Type.Null()], {
      description: 'The authenticated principal: a user name, or token:<name> for an API token.',
    }),
    acknowledgementNote: Type.Union([Type.String(), Type.Null()], {
      description: 'The free text sent with the acknowledgement.',
    }),
    resolvedAt: Type.Union([Type.String(), Type.Null()]),
    resolvedBy: Type.Union([Type.String(), Type.Null()], {
      description: 'condition, alertmanager, rule removed, or the principal who resolved it by hand.',
    }),
    resolutionNote: Type.Union([Type.String(), Type.Null()], {
      description: 'The free text sent with a manual resolution.',
    }),
    notificationsSent: Type.Integer(),
  }),
});

export const NotificationSchema = Type.Object({
  channel: Type.String(),
  status: Type.String({ description: 'pending, delivered, failed (refused for good) or expired.' }),
  attempts: Type.Integer(),
  createdAt: Type.String(),
  deliveredAt: Type.Union([Type.String(), Type.Null()]),
  lastError: Type.Union([Type.String(), Type.Null()]),
});

export const RuleSchema = Type.Object({
  id: Type.String(),
  origin: Type.String({ description: 'api, file (ALERT_RULES_FILE: read-only here) or builtin.' }),
  enabled: Type.Boolean(),
  rule: Type.Record(Type.String(), Type.Unknown(), { description: 'As written (defaults left out).' }),
  firing: Type.Integer({ description: 'Alerts of this rule firing now.' }),
  warnings: Type.Array(Type.String(), {
    description: 'Channels that cannot deliver until a setting is made (e.g. SLACK_WEBHOOK_URL).',
  }),
});

export const SilenceInputSchema = Type.Object(
  {
    matchers: Type.Array(Type.String({ maxLength: 1024 }), {
      minItems: 1,
      maxItems: 20,
      description: 'Label matchers over the alert labels plus alertname, rule and severity.',
    }),
    startsAt: Type.Optional(Type.String({ description: 'ISO 8601 or ms; default now.' })),
    endsAt: Type.String({ description: 'ISO 8601, ms, or a duration from the start (2h).' }),
    createdBy: Type.Optional(Type.String({ maxLength: 200 })),
    comment: Type.Optional(Type.String({ maxLength: 2000 })),
  },
  { additionalProperties: false },
);

export const SilenceSchema = Type.Object({
  id: Type.String(),
  matchers: Type.Array(Type.String()),
  startsAt: Type.String(),
  endsAt: Type.String(),
  createdBy: Type.String(),
  comment: Type.String(),
  active: Type.Boolean(),
});

/**
 * The body of acknowledge and resolve. Who did it is the authenticated principal, never a field: the
 * client's text is a note (the older `by` field is still accepted, and kept as the note).
 */
export const ActorSchema = Type.Object(
  {
    note: Type.Optional(
      Type.String({
        maxLength: 1000,
        description: 'Why, for the timeline (e.g. "on it, restarting the worker").',
      }),
    ),
    by: Type.Optional(
      Type.String({
        maxLength: 200,
        deprecated: true,
        description: 'Older free text; kept as the note when `note` is absent. Who did it is the caller.',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The note an acknowledge or resolve body carries, if any. */
export function noteOf(body: { note?: string; by?: string }): string | undefined {
  const note = body.note ?? body.by;
  return note === undefined || note.trim() === '' ? undefined : note;
}

/** Alertmanager's webhook payload, version 4 (receivers' webhook_configs). Unknown fields are ignored. */
export const AlertmanagerWebhookSchema = Type.Object(
  {
    version: Type.String({ description: 'Alertmanager webhook format version: "4".' }),
    status: Type.Optional(Type.String()),
    receiver: Type.Optional(Type.String()),
    groupKey: Type.Optional(Type.String()),
    alerts: Type.Array(
      Type.Object(
        {
          status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
          labels: Type.Record(Type.String(), Type.String()),
          annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
          startsAt: Type.Optional(Type.String()),
          endsAt: Type.Optional(Type.String()),
          fingerprint: Type.Optional(Type.String({ maxLength: 128 })),
        },
        { additionalProperties: true },
      ),
      { maxItems: 10_000 },
    ),
  },
  { additionalProperties: true },
);

/** GET /api/alerts/:id/timeline: the alert's life in order (issue 19). */
export const TimelineSchema = Type.Object({
  alert: AlertSchema,
  events: Type.Array(
    Type.Object({
      at: Type.String(),
      kind: Type.String({
        description:
          'pending, firing, notification, acknowledged, resolved, or action (another audited change).',
      }),
      summary: Type.String(),
      actor: Type.Union([Type.String(), Type.Null()], {
        description: 'Who did it (a principal); null when the engine did.',
      }),
      notification: Type.Union([
        Type.Object({
          event: Type.String({ description: 'firing, repeat or resolved.' }),
          channel: Type.String(),
          status: Type.String({ description: 'pending, delivered, failed or expired.' }),
          attempts: Type.Integer(),
          deliveredAt: Type.Union([Type.String(), Type.Null()]),
          lastError: Type.Union([Type.String(), Type.Null()]),
        }),
        Type.Null(),
      ]),
      requestId: Type.Union([Type.String(), Type.Null()], {
        description: "The audit log's request id of a person's action (ties it to the logs).",
      }),
    }),
  ),
});
