import { randomUUID } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { fromStored, type Alert } from '../../alerting/alert.js';
import { ALERT_ACTION_PREFIX, buildTimeline } from '../../alerting/alert-timeline.js';
import { alertView, notificationView, silenceView } from '../../alerting/alert-views.js';
import type { Alerting } from '../../alerting/create-alerting.js';
import { RuleInputSchema } from '../../alerting/rule-schema.js';
import type { Rule } from '../../alerting/rule.js';
import type { Silence } from '../../alerting/silences.js';
import type { AuditLog } from '../../auth/audit-log.js';
import { principalName } from '../../auth/principal.js';
import { DomainError } from '../../domain/errors.js';
import { compileMatchers, parseMatcher } from '../../query/matchers.js';
import { checkTime, parseDuration, parseTime } from '../../query/time-params.js';
import { errorResponses } from '../problem.js';
import {
  ActorSchema,
  AlertmanagerWebhookSchema,
  AlertSchema,
  noteOf,
  NotificationSchema,
  RuleSchema,
  SilenceInputSchema,
  SilenceSchema,
  TimelineSchema,
} from './alert-schemas.js';

const tags = ['alerts'];
const IdParams = Type.Object({ id: Type.String({ maxLength: 128 }) });
const ListQuery = Type.Object({
  state: Type.Optional(Type.String({ description: 'Comma-separated: pending, firing, resolved.' })),
  severity: Type.Optional(Type.String({ description: 'Comma-separated severities.' })),
  rule: Type.Optional(Type.String({ description: 'A rule id.' })),
  from: Type.Optional(Type.String({ description: 'Alerts active at or after (ISO 8601, ms, now-24h).' })),
  to: Type.Optional(Type.String({ description: 'Alerts started at or before.' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
const STATES = new Set(['pending', 'firing', 'resolved']);
/** Audit entries a timeline reads at most: an alert is acted on a few times, the log holds everything. */
const TIMELINE_AUDIT_LIMIT = 1000;

function csv(raw: string | undefined, field: string, allowed?: ReadonlySet<string>): string[] | undefined {
  if (raw === undefined) return undefined;
  const values = raw
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
  const bad = allowed === undefined ? undefined : values.find((v) => !allowed.has(v));
  if (bad !== undefined)
    throw new DomainError(
      'validation_failed',
      422,
      `unknown ${field} "${bad}": use ${[...allowed!].join(', ')}`,
      field,
    );
  return values;
}

/** The seed's /api/alerts routes, plus silences; the audit log feeds the timeline (who acted, which request). */
export function alertRoutes(alerting: Alerting, audit?: AuditLog): FastifyPluginAsyncTypebox {
  const { engine, rules, store, silences } = alerting;
  const ruleView = (rule: Rule) => ({
    id: rule.id,
    origin: rule.origin,
    enabled: rule.enabled,
    rule: rule.input as Record<string, unknown>,
    firing: engine.activeAlerts().filter((a) => a.ruleId === rule.id && a.state === 'firing').length,
    warnings: rule.warnings,
  });
  const current = (alert: Alert): Alert => engine.findActive(alert.id) ?? alert;

  return (app) => {
    app.get(
      '/api/alerts',
      {
        schema: {
          tags,
          summary: 'Alerts, newest first, filtered by state, severity, rule and time',
          querystring: ListQuery,
          response: { 200: Type.Object({ alerts: Type.Array(AlertSchema) }), ...errorResponses(422) },
        },
      },
      async (request) => {
        const q = request.query;
        const now = Date.now();
        const stored = await store.listAlerts({
          ...(q.state === undefined ? {} : { states: csv(q.state, 'state', STATES) }),
          ...(q.severity === undefined ? {} : { severities: csv(q.severity, 'severity') }),
          ...(q.rule === undefined ? {} : { ruleId: q.rule }),
          ...(q.from === undefined ? {} : { from: parseTime(q.from, now, 'from') }),
          ...(q.to === undefined ? {} : { to: parseTime(q.to, now, 'to') }),
          limit: q.limit ?? 100,
        });
        return { alerts: stored.map((s) => alertView(current(fromStored(s)))) };
      },
    );

    app.get(
      '/api/alerts/:id',
      {
        schema: {
          tags,
          summary: 'One alert with its timeline and the notifications sent for it',
          params: IdParams,
          response: {
            200: Type.Intersect([
              AlertSchema,
              Type.Object({ notifications: Type.Array(NotificationSchema) }),
            ]),
            ...errorResponses(404),
          },
        },
      },
      async (request) => {
        const stored = await store.getAlert(request.params.id);
        if (stored === undefined)
          throw new DomainError('alert_not_found', 404, `no alert with id ${request.params.id}`, 'id');
        const notifications = await store.notificationsOf(stored.id);
        return {
          ...alertView(current(fromStored(stored))),
          notifications: notifications.map(notificationView),
        };
      },
    );

    app.get(
      '/api/alerts/:id/timeline',
      {
        schema: {
          tags,
          summary:
            "One alert's life in order: pending, firing, each notification (channel, status, attempts, last error), acknowledged by whom, resolved",
          params: IdParams,
          response: { 200: TimelineSchema, ...errorResponses(404) },
        },
      },
      async (request) => {
        const stored = await store.getAlert(request.params.id);
        if (stored === undefined)
          throw new DomainError('alert_not_found', 404, `no alert with id ${request.params.id}`, 'id');
        const alert = current(fromStored(stored));
        const [notifications, entries] = await Promise.all([
          store.notificationsOf(alert.id),
          audit?.list({
            from: alert.pendingAt,
            ...(alert.resolvedAt === undefined ? {} : { to: alert.resolvedAt + 60_000 }),
            // Asked of the store, not filtered after: a busy audit log cannot crowd this alert's out.
            actionPrefix: ALERT_ACTION_PREFIX,
            targetPart: `id=${alert.id}`,
            limit: TIMELINE_AUDIT_LIMIT,
          }) ?? Promise.resolve([]),
        ]);
        return { alert: alertView(alert), events: buildTimeline(alert, notifications, entries) };
      },
    );

    app.post(
      '/api/alerts/:id/acknowledge',
      {
        schema: {
          tags,
          summary:
            'Acknowledge a firing alert as the caller (with an optional note): repeats stop, resolution still comes from the condition',
          params: IdParams,
          body: Type.Optional(ActorSchema),
          response: { 200: AlertSchema, ...errorResponses(404, 415) },
        },
      },
      async (request) =>
        alertView(
          await engine.acknowledge(request.params.id, principalName(request.principal), noteOf(request.body)),
        ),
    );

    app.post(
      '/api/alerts/:id/resolve',
      {
        schema: {
          tags,
          summary:
            'Resolve an alert by hand as the caller (with an optional note); refused (409) while its condition still holds',
          params: IdParams,
          body: Type.Optional(ActorSchema),
          response: { 200: AlertSchema, ...errorResponses(404, 409, 415) },
        },
      },
      async (request) =>
        alertView(
          await engine.resolve(request.params.id, principalName(request.principal), noteOf(request.body)),
        ),
    );

    app.post(
      '/api/alerts/alertmanager',
      {
        schema: {
          tags,
          summary:
            "Receive Alertmanager's webhook (version 4): its alerts join the list, timeline and channels",
          body: AlertmanagerWebhookSchema,
          response: {
            200: Type.Object({ firing: Type.Integer(), resolved: Type.Integer() }),
            ...errorResponses(413, 415, 422),
          },
        },
      },
      async (request) => {
        if (request.body.version !== '4')
          throw new DomainError(
            'validation_failed',
            422,
            `webhook version ${request.body.version} is not supported; Alertmanager sends "4"`,
            'version',
          );
        return engine.receiveExternal(
          request.body.alerts.map((a) => ({
            status: a.status,
            labels: a.labels,
            annotations: a.annotations ?? {},
            ...(a.startsAt === undefined ? {} : { startsAt: a.startsAt }),
            ...(a.fingerprint === undefined ? {} : { fingerprint: a.fingerprint }),
          })),
        );
      },
    );

    app.get(
      '/api/alerts/rules',
      {
        schema: {
          tags,
          summary: 'Alert rules (the predefined six, the rules file, the API)',
          response: { 200: Type.Object({ rules: Type.Array(RuleSchema) }), ...errorResponses() },
        },
      },
      () => ({ rules: rules.list().map(ruleView) }),
    );

    app.get(
      '/api/alerts/rules/:id',
      {
        schema: {
          tags,
          summary: 'One rule',
          params: IdParams,
          response: { 200: RuleSchema, ...errorResponses(404) },
        },
      },
      (request) => ruleView(rules.get(request.params.id)),
    );

    app.post(
      '/api/alerts/rules',
      {
        schema: {
          tags,
          summary: 'Create a rule (evaluated at once and on every sample of its metric)',
          body: RuleInputSchema,
          response: { 201: RuleSchema, ...errorResponses(413, 415, 422) },
        },
      },
      async (request, reply) => {
        const rule = await rules.create(request.body);
        void engine.evaluateAll();
        void reply.code(201).header('location', `/api/alerts/rules/${rule.id}`);
        return ruleView(rule);
      },
    );

    app.put(
      '/api/alerts/rules/:id',
      {
        schema: {
          tags,
          summary: 'Replace a rule',
          params: IdParams,
          body: RuleInputSchema,
          response: { 200: RuleSchema, ...errorResponses(404, 409, 413, 415, 422) },
        },
      },
      async (request) => {
        const rule = await rules.replace(request.params.id, request.body);
        void engine.evaluateAll();
        return ruleView(rule);
      },
    );

    app.delete(
      '/api/alerts/rules/:id',
      {
        schema: {
          tags,
          summary: 'Delete a rule (its alerts resolve)',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        await rules.remove(request.params.id);
        await engine.evaluateAll();
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/alerts/silences',
      {
        schema: {
          tags,
          summary: 'Silences (maintenance windows), active and scheduled',
          response: { 200: Type.Object({ silences: Type.Array(SilenceSchema) }), ...errorResponses() },
        },
      },
      () => ({ silences: silences.list().map((s) => silenceView(s, Date.now())) }),
    );

    app.post(
      '/api/alerts/silences',
      {
        schema: {
          tags,
          summary: 'Silence alerts matching label matchers for a time range',
          body: SilenceInputSchema,
          response: { 201: SilenceSchema, ...errorResponses(413, 415, 422) },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const now = Date.now();
        const startsAt = body.startsAt === undefined ? now : parseTime(body.startsAt, now, 'startsAt');
        const endsAt = /^\d+(ms|s|m|h|d|w)/.test(body.endsAt)
          ? checkTime(startsAt + parseDuration(body.endsAt, 'endsAt'), 'endsAt', body.endsAt)
          : parseTime(body.endsAt, now, 'endsAt');
        if (endsAt <= startsAt)
          throw new DomainError('invalid_silence', 422, 'endsAt must be after startsAt', 'endsAt');
        compileMatchers(
          body.matchers.map((m, i) => parseMatcher(m, `matchers[${String(i)}]`)),
          'matchers',
        );
        const silence: Silence = {
          id: randomUUID(),
          matchers: body.matchers,
          startsAt,
          endsAt,
          createdBy: body.createdBy ?? 'api',
          comment: body.comment ?? '',
          createdAt: now,
        };
        await store.saveSilence(silence.id, endsAt, JSON.stringify(silence));
        silences.put(silence);
        void reply.code(201);
        return silenceView(silence, now);
      },
    );

    app.delete(
      '/api/alerts/silences/:id',
      {
        schema: {
          tags,
          summary: 'End a silence now',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const removed = await store.deleteSilence(request.params.id);
        silences.delete(request.params.id);
        if (!removed)
          throw new DomainError('silence_not_found', 404, `no silence with id ${request.params.id}`, 'id');
        return reply.code(204).send(null);
      },
    );
    return Promise.resolve();
  };
}
