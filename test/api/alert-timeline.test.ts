import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { bearer, userSession } from '../support/auth.js';
import { send } from '../support/http.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface TimelineBody {
  alert: { id: string; state: string };
  events: {
    at: string;
    kind: string;
    summary: string;
    actor: string | null;
    requestId: string | null;
    notification: {
      event: string;
      channel: string;
      status: string;
      attempts: number;
      lastError: string | null;
    } | null;
  }[];
}

/** Issue 19: GET /api/alerts/:id/timeline, from the alert store, the outbox and the audit log. */
describe('GET /api/alerts/:id/timeline', () => {
  let t: TestApp;
  let receiver: Receiver;
  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  const push = async (value: number): Promise<void> => {
    const r = await send(t.app, 'POST', '/api/metrics/custom', { name: 'jobs_failed', value });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await t.services.alerting.engine.settled();
  };

  it('lists pending → firing → notifications with attempts and last error → acknowledged by whom → resolved', async () => {
    // The receiver refuses twice: the notification is delivered on its third attempt, the error kept.
    receiver.failNext(2, 503);
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Failed jobs',
      metricName: 'jobs_failed',
      threshold: 0,
      severity: 'critical',
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    await push(3);
    await receiver.waitFor(1, 20_000);
    await t.services.alerting.outbox.drain();
    const firingNow = await send<{ alerts: { id: string }[] }>(t.app, 'GET', '/api/alerts?state=firing');
    const alert = firingNow.body.alerts[0];
    assert.ok(alert);

    const oncall = await userSession(t.app, 'dana', 'editor');
    const ack = await t.app.inject({
      method: 'POST',
      url: `/api/alerts/${alert.id}/acknowledge`,
      headers: bearer(oncall.access),
      payload: { note: 'restarting the worker' },
    });
    assert.equal(ack.statusCode, 200, ack.body);
    // The condition clears: resolved, and the resolved notification is refused for good (a 400).
    receiver.failNext(1, 400);
    const refusals = receiver.hits() + 1;
    await push(0);
    for (let i = 0; i < 200 && receiver.hits() < refusals; i++) await new Promise((r) => setTimeout(r, 50));
    await t.services.alerting.outbox.drain();

    const timeline = await send<TimelineBody>(t.app, 'GET', `/api/alerts/${alert.id}/timeline`);
    assert.equal(timeline.status, 200, JSON.stringify(timeline.body));
    const kinds = timeline.body.events.map((e) => e.kind);
    assert.deepEqual(kinds, [
      'pending',
      'firing',
      'notification',
      'acknowledged',
      'resolved',
      'notification',
    ]);
    const times = timeline.body.events.map((e) => Date.parse(e.at));
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
      'in time order',
    );
    const [firing, resolved] = timeline.body.events.filter((e) => e.kind === 'notification');
    assert.deepEqual(
      {
        event: firing!.notification!.event,
        status: firing!.notification!.status,
        attempts: firing!.notification!.attempts,
      },
      { event: 'firing', status: 'delivered', attempts: 3 },
    );
    assert.equal(firing!.notification!.lastError, null, 'a delivered notification has no error left');
    assert.match(firing!.notification!.channel, /^webhook http:\/\/127\.0\.0\.1:\d+\/hook$/);
    assert.equal(resolved!.notification!.event, 'resolved');
    assert.equal(resolved!.notification!.status, 'failed');
    assert.match(resolved!.notification!.lastError ?? '', /400/);
    const acknowledged = timeline.body.events.find((e) => e.kind === 'acknowledged')!;
    assert.equal(acknowledged.actor, 'dana');
    assert.match(acknowledged.summary, /acknowledged by dana: restarting the worker/);
    assert.ok(acknowledged.requestId !== null, 'the audit log names the request that acknowledged it');
    const resolution = timeline.body.events.find((e) => e.kind === 'resolved')!;
    assert.equal(resolution.summary, 'resolved: the condition cleared');
    assert.equal(timeline.body.alert.state, 'resolved');
  });

  it('answers 404 alert_not_found for an unknown id, and needs a token', async () => {
    const missing = await t.app.inject({ method: 'GET', url: '/api/alerts/no-such-alert/timeline' });
    assert.equal(missing.statusCode, 404);
    assert.match(String(missing.headers['content-type']), /application\/problem\+json/);
    assert.equal(missing.json<{ code: string }>().code, 'alert_not_found');
    const anonymous = await t.app.inject({
      method: 'GET',
      url: '/api/alerts/no-such-alert/timeline',
      headers: { authorization: '' },
    });
    assert.equal(anonymous.statusCode, 401);
  });
});
