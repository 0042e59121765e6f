import { toJsonValueOrNull } from '../domain/sample-value.js';
import { isoTime, isoTimeOrNull } from '../domain/time-range.js';
import type { OutboxItem } from '../storage/ports.js';
import type { Alert } from './alert.js';
import type { Silence } from './silences.js';

// Times go through isoTime: a row an older version stored out of range reads clamped instead of a 500.
const iso = isoTimeOrNull;

export function alertView(alert: Alert) {
  return {
    id: alert.id,
    ruleId: alert.ruleId,
    ruleName: alert.ruleName,
    state: alert.state,
    severity: alert.severity,
    labels: alert.labels,
    annotations: alert.annotations,
    value: toJsonValueOrNull(alert.value),
    acknowledged: alert.acknowledgedAt !== undefined,
    silencedBy: alert.silencedBy ?? null,
    timeline: {
      pendingAt: isoTime(alert.pendingAt),
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
    createdAt: isoTime(item.createdAt),
    deliveredAt: iso(item.deliveredAt),
    lastError: item.lastError,
  };
}

export function silenceView(silence: Silence, now: number) {
  return {
    id: silence.id,
    matchers: silence.matchers,
    startsAt: isoTime(silence.startsAt),
    endsAt: isoTime(silence.endsAt),
    createdBy: silence.createdBy,
    comment: silence.comment,
    active: silence.startsAt <= now && now < silence.endsAt,
  };
}
