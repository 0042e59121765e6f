import type { OutboxItem } from '../storage/ports.js';
import type { Alert } from './alert.js';
import type { Silence } from './silences.js';

const iso = (ms: number | undefined | null): string | null =>
  ms == null ? null : new Date(ms).toISOString();

export function alertView(alert: Alert) {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    ruleName: alert.ruleName,
    state: alert.state,
    severity: alert.severity,
    labels: alert.labels,
    annotations: alert.annotations,
    value: alert.value,
    acknowledged: alert.acknowledgedAt !== undefined,
    silencedBy: alert.silencedBy ?? null,
    timeline: {
      pendingAt: new Date(alert.pendingAt).toISOString(),
      firedAt: iso(alert.firedAt),
      acknowledgedAt: iso(alert.acknowledgedAt),
      acknowledgedBy: alert.acknowledgedBy ?? null,
      acknowledgementNote: alert.acknowledgementNote ?? null,
      resolvedAt: iso(alert.resolvedAt),
      resolvedBy: alert.resolvedBy ?? null,
      resolutionNote: alert.resolutionNote ?? null,
      notificationsSent: alert.notified,
    },
  };
}

export function notificationView(item: OutboxItem) {
  const target = JSON.parse(item.channel) as { type: string; destination?: string };
  return {
    channel: target.destination === undefined ? target.type : `${target.type} ${target.destination}`,
    status: item.status,
    attempts: item.attempts,
    createdAt: new Date(item.createdAt).toISOString(),
    deliveredAt: iso(item.deliveredAt),
    lastError: item.lastError,
  };
}

export function silenceView(silence: Silence, now: number) {
  return {
    id: silence.id,
    matchers: silence.matchers,
    startsAt: new Date(silence.startsAt).toISOString(),
    endsAt: new Date(silence.endsAt).toISOString(),
    createdBy: silence.createdBy,
    comment: silence.comment,
    active: silence.startsAt <= now && now < silence.endsAt,
  };
}
