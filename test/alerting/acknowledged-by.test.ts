import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { AlertPush } from '../../src/realtime/events.js';
import { apiToken, bearer, userSession } from '../support/auth.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

interface Timeline {
  acknowledgedBy: string | null;
  acknowledgementNote: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
}

/** Issue 15, item 12: who acknowledged or resolved an alert is the caller, never what the body claims. */
describe('acknowledgedBy and resolvedBy record the authenticated principal', () => {
  let t: TestApp;
  let socket: Socket;
  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (t.app.server.address() as AddressInfo).port;
    socket = io(`http://127.0.0.1:${String(port)}`, { auth: { token: TEST_ADMIN_TOKEN } });
    const rule = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: { name: 'Queue', metricName: 'queue_depth', condition: '>', threshold: 100 },
    });
    assert.equal(rule.statusCode, 201, rule.body);
  });
  after(async () => {
    socket.close();
    await t.close();
  });

  const push = async (value: number, queue: string): Promise<void> => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: { name: 'queue_depth', type: 'gauge', value, labels: { queue } },
    });
    assert.equal(r.statusCode, 200, r.body);
    await t.services.alerting.engine.settled();
  };
  const firing = async (queue: string): Promise<string> => {
    await push(250, queue);
    const alert = t.services.alerting.engine.activeAlerts().find((a) => a.labels.queue === queue);
    assert.equal(alert?.state, 'firing');
    return alert.id;
  };
  const timeline = async (id: string): Promise<Timeline> =>
    (await t.app.inject({ method: 'GET', url: `/api/alerts/${id}` })).json<{ timeline: Timeline }>().timeline;

  it("a user's acknowledgement names the user; the body's free text is a note, also on the socket", async () => {
    const id = await firing('mail');
    const carol = await userSession(t.app, 'carol', 'editor');
    const event = new Promise<AlertPush>((resolve) => {
      socket.on('alert', (p: AlertPush) => {
        if (p.transition === 'acknowledged') resolve(p);
      });
    });
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/acknowledge`,
      headers: bearer(carol.access),
      payload: { by: 'the CEO' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const expected = { acknowledgedBy: 'carol', acknowledgementNote: 'the CEO' };
    assert.deepEqual(pick(r.json<{ timeline: Timeline }>().timeline, expected), expected);
    assert.deepEqual(pick(await timeline(id), expected), expected);
    const pushed = (await event).alert as { timeline: Timeline };
    assert.deepEqual(pick(pushed.timeline, expected), expected);
  });

  it('an API token is named token:<name>; `note` is the note', async () => {
    const id = await firing('billing');
    const token = await apiToken(t.app, ['admin']);
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/alerts/${id}/acknowledge`,
      headers: bearer(token.token),
      payload: { note: 'restarting the worker' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const got = await timeline(id);
    assert.equal(got.acknowledgedBy, 'token:test-admin');
    assert.equal(got.acknowledgementNote, 'restarting the worker');
  });

  it('no body leaves no note; a resolution by the condition names the condition', async () => {
    const id = await firing('search');
    const noBody = await t.app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge` });
    assert.equal(noBody.statusCode, 200, noBody.body);
    assert.equal((await timeline(id)).acknowledgementNote, null);
    assert.equal((await timeline(id)).acknowledgedBy, 'token:ADMIN_TOKEN');
    await push(50, 'search');
    const resolvedByCondition = await timeline(id);
    assert.equal(resolvedByCondition.resolvedBy, 'condition');
    assert.equal(resolvedByCondition.resolutionNote, null);
  });

  it('resolving by hand records the principal, not the body', async () => {
    // keepFiringFor holds the alert after the condition clears, which is when a person may resolve it.
    const rule = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: {
        name: 'Lag',
        metricName: 'consumer_lag',
        condition: '>',
        threshold: 10,
        keepFiringFor: '1h',
      },
    });
    assert.equal(rule.statusCode, 201, rule.body);
    const set = async (value: number): Promise<void> => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/metrics/custom',
        payload: { name: 'consumer_lag', type: 'gauge', value },
      });
      assert.equal(r.statusCode, 200, r.body);
      await t.services.alerting.engine.settled();
    };
    await set(50);
    await set(1);
    const alert = t.services.alerting.engine.activeAlerts().find((a) => a.ruleName === 'Lag');
    assert.equal(alert?.state, 'firing');
    const dave = await userSession(t.app, 'dave', 'editor');
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/alerts/${alert.id}/resolve`,
      headers: bearer(dave.access),
      payload: { by: 'someone else', note: 'backlog drained by hand' },
    });
    assert.equal(r.statusCode, 200, r.body);
    const got = await timeline(alert.id);
    assert.equal(got.resolvedBy, 'dave');
    assert.equal(got.resolutionNote, 'backlog drained by hand');
  });
});

function pick(timeline: Timeline, like: Partial<Timeline>): Partial<Timeline> {
  const out: Partial<Timeline> = {};
  for (const key of Object.keys(like) as (keyof Timeline)[]) out[key] = timeline[key];
  return out;
}
