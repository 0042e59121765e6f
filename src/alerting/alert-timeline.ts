import type { AuditView } from '../auth/audit-log.js';
import { isoTime } from '../domain/time-range.js';
import type { OutboxItem } from '../storage/ports.js';
import type { Alert } from './alert.js';

/** What happened to an alert, one step of its life, as the timeline page lists it. */
export type TimelineKind = 'pending' | 'firing' | 'notification' | 'acknowledged' | 'resolved' | 'action';

export interface TimelineEvent {
  at: string;
  kind: TimelineKind;
  /** One line a person reads: "Notification to webhook https://… delivered after 2 attempts". */
  summary: string;
  /** Who did it: a principal for acknowledgements, actions and manual resolutions; null for the engine. */
  actor: string | null;
  /** Set on notifications only. */
  notification: {
    event: string;
    channel: string;
    status: string;
    attempts: number;
    deliveredAt: string | null;
    lastError: string | null;
  } | null;
  /** The audit entry that recorded a person's action (request id ties it to the logs); null otherwise. */
  requestId: string | null;
}

/** What every audited action on one alert starts with (acknowledge, resolve, silence…). */
export const ALERT_ACTION_PREFIX = 'POST /api/alerts/:id/';

/** The audit entries a timeline reads: the changes made through `/api/alerts/:id/…` for this alert. */
export function auditOfAlert(entries: readonly AuditView[], alertId: string): AuditView[] {
  return entries.filter(
    (e) => e.action.startsWith(ALERT_ACTION_PREFIX) && e.target.split(' ').includes(`id=${alertId}`),
  );
}

/**
 * Same-millisecond events keep the order of the alert's life (an alert fires and notifies in one
 * evaluation): a plain sort by time would let a notification come before the firing that caused it.
 */
const RANK: Record<TimelineKind, number> = {
  pending: 0,
  firing: 1,
  notification: 2,
  acknowledged: 3,
  action: 4,
  resolved: 5,
};

/** A resolved notification is caused by the resolution, so it follows it even in the same millisecond. */
function rankOf(event: TimelineEvent): number {
  return event.kind === 'notification' && event.notification?.event === 'resolved'
    ? RANK.resolved + 1
    : RANK[event.kind];
}

function channelName(item: OutboxItem): string {
  try {
    const target = JSON.parse(item.channel) as { type?: string; destination?: string };
    return [target.type, target.destination].filter((p) => p !== undefined && p !== '').join(' ');
  } catch {
    return 'unknown channel';
  }
}

/** The event a notification announced (firing, repeat, resolved), from its payload. */
function eventOf(item: OutboxItem): string {
  try {
    const payload = JSON.parse(item.payload) as { event?: unknown };
    return typeof payload.event === 'string' ? payload.event : 'notification';
  } catch {
    return 'notification';
  }
}

function notificationEvent(item: OutboxItem): TimelineEvent {
  const channel = channelName(item);
  const event = eventOf(item);
  const tries = `${String(item.attempts)} attempt${item.attempts === 1 ? '' : 's'}`;
  const outcome =
    item.status === 'delivered'
      ? `delivered after ${tries}`
      : item.status === 'pending'
        ? `pending (${tries} so far)`
        : `${item.status} after ${tries}`;
  return {
    at: isoTime(item.createdAt),
    kind: 'notification',
    summary: `${event} notification to ${channel}: ${outcome}`,
    actor: null,
    notification: {
      event,
      channel,
      status: item.status,
      attempts: item.attempts,
      deliveredAt: item.deliveredAt === null ? null : isoTime(item.deliveredAt),
      lastError: item.lastError,
    },
    requestId: null,
  };
}

const plain = (at: number, kind: TimelineKind, summary: string, actor: string | null = null) => ({
  at,
  event: { at: isoTime(at), kind, summary, actor, notification: null, requestId: null } as TimelineEvent,
});

/**
 * The alert's life in order: pending → firing → each notification (channel, status, attempts, last
 * error) → acknowledged by whom → resolved, from the alert's own record, the outbox rows sent for it
 * and the audit log (which names the request that acknowledged or resolved it by hand).
 */
export function buildTimeline(
  alert: Alert,
  notifications: readonly OutboxItem[],
  audit: readonly AuditView[],
): TimelineEvent[] {
  const steps: { at: number; event: TimelineEvent }[] = [];
  steps.push(plain(alert.pendingAt, 'pending', `${alert.ruleName} became pending`));
  if (alert.firedAt !== undefined) steps.push(plain(alert.firedAt, 'firing', `${alert.ruleName} fired`));
  for (const item of notifications) steps.push({ at: item.createdAt, event: notificationEvent(item) });
  const actions = auditOfAlert(audit, alert.id);
  const requestOf = (verb: string): string | null =>
    actions.find((a) => a.action.endsWith(`/${verb}`))?.requestId ?? null;
  if (alert.acknowledgedAt !== undefined) {
    const note = alert.acknowledgementNote === undefined ? '' : `: ${alert.acknowledgementNote}`;
    const step = plain(
      alert.acknowledgedAt,
      'acknowledged',
      `acknowledged by ${alert.acknowledgedBy ?? 'someone'}${note}`,
      alert.acknowledgedBy ?? null,
    );
    step.event.requestId = requestOf('acknowledge');
    steps.push(step);
  }
  if (alert.resolvedAt !== undefined) {
    const by = alert.resolvedBy ?? 'condition';
    const note = alert.resolutionNote === undefined ? '' : `: ${alert.resolutionNote}`;
    const summary = by === 'condition' ? 'resolved: the condition cleared' : `resolved by ${by}${note}`;
    const step = plain(alert.resolvedAt, 'resolved', summary, by === 'condition' ? null : by);
    step.event.requestId = requestOf('resolve');
    steps.push(step);
  }
  // Actions the alert's record does not show by itself (a refused or repeated one never reaches the log).
  for (const a of actions)
    if (!a.action.endsWith('/acknowledge') && !a.action.endsWith('/resolve')) {
      const step = plain(Date.parse(a.at), 'action', `${a.action} by ${a.actor}`, a.actor);
      step.event.requestId = a.requestId;
      steps.push(step);
    }
  return steps.sort((a, b) => a.at - b.at || rankOf(a.event) - rankOf(b.event)).map((s) => s.event);
}
