import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { NotificationPush } from '../../src/realtime/events.js';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 19: a delivery that ends (delivered, refused for good, expired) is a `notification` socket event, so
 * the alert timeline page reloads on it instead of polling. Real outbox, real webhook receiver, real socket.
 */
describe('the notification socket event', () => {
  let t: TestApp;
  let receiver: Receiver;
  let socket: Socket;
  const pushes: NotificationPush[] = [];

  const nextPush = async (count: number): Promise<NotificationPush> => {
    const deadline = Date.now() + 20_000;
    while (pushes.length < count) {
      if (Date.now() > deadline) throw new Error(`only ${String(pushes.length)} notification events`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return pushes[count - 1] as NotificationPush;
  };
  const firingId = async (): Promise<string> => {
    await t.services.alerting.engine.settled();
    const firing = await send<{ alerts: { id: string }[] }>(t.app, 'GET', '/api/alerts?state=firing');
    return firing.body.alerts[0]?.id ?? '';
  };

  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    socket = io(`http://127.0.0.1:${String(port)}`, { auth: { token: TEST_ADMIN_TOKEN } });
    socket.on('notification', (push: NotificationPush) => pushes.push(push));
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    const rule = await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Disk almost full',
      metricName: 'disk_used_ratio',
      threshold: 0.9,
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook?secret=s3cr3t` }],
    });
    assert.equal(rule.status, 201, JSON.stringify(rule.body));
  });
  after(async () => {
    socket.close();
    await t.close();
    await receiver.close();
  });

  it('announces a retried delivery once, when delivered, with its alert, channel and attempts', async () => {
    receiver.failNext(1, 503);
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'disk_used_ratio', value: 0.97 });
    const id = await firingId();
    assert.notEqual(id, '');
    const push = await nextPush(1);
    assert.deepEqual(
      { ...push, at: 0 },
      {
        alertId: id,
        channel: 'webhook',
        status: 'delivered',
        attempts: 2,
        at: 0,
      },
    );
    assert.ok(!JSON.stringify(push).includes('s3cr3t'), 'the destination is not sent');
    assert.equal(receiver.received.length, 1);
    // What the event says is already what the timeline reads.
    const timeline = await send<{ events: { notification: { status: string; attempts: number } | null }[] }>(
      t.app,
      'GET',
      `/api/alerts/${id}/timeline`,
    );
    const shown = timeline.body.events.flatMap((e) => (e.notification === null ? [] : [e.notification]));
    assert.deepEqual(
      shown.map((n) => [n.status, n.attempts]),
      [['delivered', 2]],
    );
    await new Promise((resolve) => setTimeout(resolve, 500));
    assert.equal(pushes.length, 1, 'the failed first attempt (retry pending) is not announced');
  });

  it('announces a delivery refused for good as failed after one attempt', async () => {
    receiver.failNext(1, 400);
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'disk_used_ratio', value: 0.5 });
    await t.services.alerting.engine.settled();
    const push = await nextPush(2);
    assert.equal(push.status, 'failed');
    assert.equal(push.attempts, 1);
    assert.equal(push.channel, 'webhook');
  });
});
