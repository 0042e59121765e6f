import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutboxItem } from '../storage/ports.js';
import type { Alert } from './alert.js';
import { buildTimeline } from './alert-timeline.js';

const T = Date.UTC(2026, 11, 1, 12, 0, 0);

function alertAt(times: { pending: number; fired: number; resolved: number }): Alert {
  return {
    id: 'a1',
    ruleId: 'r1',
    ruleName: 'Failed jobs',
    fingerprint: 'f',
    labels: {},
    annotations: {},
    severity: 'critical',
    state: 'resolved',
    value: 0,
    pendingAt: times.pending,
    firedAt: times.fired,
    resolvedAt: times.resolved,
    resolvedBy: 'condition',
    lastTrueAt: times.fired,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    lastNotifiedAt: times.fired,
    notified: 1,
    silencedBy: undefined,
  };
}

function notification(id: number, event: string, createdAt: number): OutboxItem {
  return {
    id,
    idempotencyKey: `a1:${event}`,
    alertId: 'a1',
    channel: JSON.stringify({ type: 'webhook', destination: 'http://127.0.0.1/hook' }),
    payload: JSON.stringify({ event }),
    status: 'delivered',
    attempts: 1,
    nextAttemptAt: createdAt,
    createdAt,
    expiresAt: createdAt + 60_000,
    deliveredAt: createdAt + 5,
    lastError: null,
  };
}

describe('buildTimeline', () => {
  it('keeps cause before effect when they share a millisecond: firing → its notification, resolved → its notification', () => {
    const kinds = buildTimeline(
      alertAt({ pending: T, fired: T, resolved: T + 1000 }),
      // Listed out of order on purpose: the outbox gives rows by id, not by what caused them.
      [notification(2, 'resolved', T + 1000), notification(1, 'firing', T)],
      [],
    ).map((e) => `${e.kind}${e.notification === null ? '' : `:${e.notification.event}`}`);
    assert.deepEqual(kinds, [
      'pending',
      'firing',
      'notification:firing',
      'resolved',
      'notification:resolved',
    ]);
  });

  it('orders by time first: a resolved notification created later stays after the resolution', () => {
    const kinds = buildTimeline(
      alertAt({ pending: T, fired: T + 10, resolved: T + 1000 }),
      [notification(1, 'firing', T + 12), notification(2, 'resolved', T + 1003)],
      [],
    ).map((e) => e.kind);
    assert.deepEqual(kinds, ['pending', 'firing', 'notification', 'resolved', 'notification']);
  });
});
