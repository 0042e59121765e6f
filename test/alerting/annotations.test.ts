import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { fromStored } from '../../src/alerting/alert.js';
import type { Notification } from '../../src/notify/notification.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface AlertView {
  id: string;
  state: string;
  value: number | null;
  annotations: Record<string, string>;
}

/**
 * Issue 15, item 9: annotations are rendered at each evaluation (pending, firing, still firing), not
 * frozen when the alert went pending, and the resolved notification carries the value that resolved it.
 */
describe('alert annotations and values follow each evaluation', () => {
  let receiver: Receiver;
  let t: TestApp;
  let ruleId = '';
  const FOR_MS = 300;

  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: {
        name: 'Queue backlog',
        metricName: 'queue_depth',
        condition: '>',
        threshold: 100,
        for: `${String(FOR_MS)}ms`,
        annotations: { summary: 'queue at {{value}} (over {{threshold}})' },
        notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
      },
    });
    assert.equal(r.statusCode, 201, r.body);
    ruleId = r.json<{ id: string }>().id;
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  const push = async (value: number): Promise<void> => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: { name: 'queue_depth', type: 'gauge', value },
    });
    assert.equal(r.statusCode, 200, r.body);
    await t.services.alerting.engine.settled();
  };
  const current = async (): Promise<AlertView> => {
    const r = await t.app.inject({ method: 'GET', url: `/api/alerts?rule=${ruleId}&limit=1` });
    const [alert] = r.json<{ alerts: AlertView[] }>().alerts;
    assert.ok(alert);
    return alert;
  };
  /** What the store holds (what a restart, or another replica, would show). */
  const stored = async (id: string) => {
    const row = await t.services.alerting.store.getAlert(id);
    assert.ok(row);
    return fromStored(row);
  };

  it('pending: the annotations follow the value while the condition holds', async () => {
    await push(158);
    const first = await current();
    assert.deepEqual(
      [first.state, first.value, first.annotations.summary],
      ['pending', 158, 'queue at 158 (over 100)'],
    );
    await push(190);
    const later = await current();
    assert.equal(later.id, first.id);
    assert.deepEqual([later.value, later.annotations.summary], [190, 'queue at 190 (over 100)']);
    assert.equal((await stored(later.id)).annotations.summary, 'queue at 190 (over 100)');
  });

  it('firing: the notification tells the value that fired it, and the views follow later values', async () => {
    await sleep(FOR_MS + 50);
    await push(250);
    const [fired] = await receiver.waitFor(1);
    const firing = fired!.body as unknown as Notification;
    assert.equal(firing.event, 'firing');
    assert.equal(firing.alert.value, 250);
    assert.equal(firing.alert.annotations.summary, 'queue at 250 (over 100)');

    await push(320);
    const alert = await current();
    assert.deepEqual(
      [alert.state, alert.value, alert.annotations.summary],
      ['firing', 320, 'queue at 320 (over 100)'],
    );
    const kept = await stored(alert.id);
    assert.deepEqual([kept.value, kept.annotations.summary], [320, 'queue at 320 (over 100)']);
  });

  it('resolved: the notification carries the value that resolved it, rendered into the annotations', async () => {
    await push(42);
    const [, resolvedMessage] = await receiver.waitFor(2);
    const resolved = resolvedMessage!.body as unknown as Notification;
    assert.equal(resolved.event, 'resolved');
    assert.equal(resolved.alert.state, 'resolved');
    assert.equal(resolved.alert.value, 42);
    assert.equal(resolved.alert.annotations.summary, 'queue at 42 (over 100)');
    const alert = await current();
    assert.deepEqual(
      [alert.state, alert.value, alert.annotations.summary],
      ['resolved', 42, 'queue at 42 (over 100)'],
    );
  });

  it('a pending alert dropped before firing keeps the value that cleared it, and nobody is told', async () => {
    await push(500);
    assert.equal((await current()).state, 'pending');
    await push(10);
    const dropped = await current();
    assert.deepEqual(
      [dropped.state, dropped.value, dropped.annotations.summary],
      ['resolved', 10, 'queue at 10 (over 100)'],
    );
    assert.equal(receiver.received.length, 2);
  });
});
