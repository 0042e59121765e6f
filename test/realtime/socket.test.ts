import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { Ack, AlertPush, HealthPush, MetricsPush } from '../../src/realtime/events.js';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

/** The next event of that name on the socket (with a deadline, so a missing push fails instead of hanging). */
function next<T>(
  socket: Socket,
  event: string,
  accept: (payload: T) => boolean = () => true,
  timeoutMs = 5000,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`no ${event} event within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    const handler = (payload: T): void => {
      if (!accept(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolve(payload);
    };
    socket.on(event, handler);
  });
}

describe('socket.io realtime', () => {
  let t: TestApp;
  let url = '';
  let target: TargetServer;
  const sockets: Socket[] = [];
  const connect = (): Socket => {
    // The seed's client, with the token authentication asks for (on by default).
    const socket = io(url, { auth: { token: TEST_ADMIN_TOKEN } });
    sockets.push(socket);
    return socket;
  };

  before(async () => {
    target = await startTarget();
    target.route('/down', json(503, { status: 'down' }));
    t = await startTestApp({
      WEBSOCKET_BROADCAST_INTERVAL: '200',
      SYSTEM_COLLECT_INTERVAL: '1000',
      EGRESS_ALLOWLIST: '127.0.0.1',
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    await t.close();
    await target.close();
  });

  it("works as the seed's client does: subscribe to system, receive metrics and system", async () => {
    const socket = connect();
    socket.emit('subscribe', { type: 'system' });
    const push = await next<MetricsPush>(socket, 'metrics', (p) => p.type === 'system');
    assert.ok(push.data !== null && typeof push.data === 'object' && 'cpu' in push.data);
    const system = await next<{ memory: { totalBytes: number } }>(socket, 'system');
    assert.ok(system.memory.totalBytes > 0);
  });

  it('acknowledges every request, and answers bad ones with a code (ack or error event)', async () => {
    const socket = connect();
    const ack = (await socket.emitWithAck('subscribe', { type: 'application' })) as Ack;
    assert.deepEqual(ack, { ok: true, subscriptions: ['application'] });
    const bad = (await socket.emitWithAck('subscribe', { type: 'everything' })) as Ack;
    assert.deepEqual([bad.ok, !bad.ok && bad.code], [false, 'invalid_subscription']);
    const unknown = (await socket.emitWithAck('subscribe', { type: 'metric', name: 'nope' })) as Ack;
    assert.equal(!unknown.ok && unknown.code, 'unknown_metric');
    const error = next<{ code: string }>(socket, 'error');
    socket.emit('subscribe', { type: 'service' });
    assert.equal((await error).code, 'invalid_subscription');
    const left = (await socket.emitWithAck('unsubscribe', { type: 'application' })) as Ack;
    assert.deepEqual(left, { ok: true, subscriptions: [] });
  });

  it('pushes one metric to its subscribers', async () => {
    await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'orders_open',
      value: 7,
      labels: { shop: 'eu' },
    });
    const socket = connect();
    await socket.emitWithAck('subscribe', { type: 'metric', name: 'orders_open' });
    await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'orders_open',
      value: 9,
      labels: { shop: 'eu' },
    });
    const push = await next<MetricsPush>(
      socket,
      'metrics',
      (p) => p.name === 'orders_open' && JSON.stringify(p.data).includes('"value":9'),
    );
    assert.equal(push.type, 'metric');
  });

  it('sends alerts and health changes at once, to every client', async () => {
    const socket = connect();
    await new Promise<void>((resolve) =>
      socket.once('connect', () => {
        resolve();
      }),
    );
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Socket alert',
      metricName: 'socket_alert_value',
      threshold: 1,
      notificationChannels: [{ type: 'websocket' }],
    });
    const fired = next<AlertPush>(socket, 'alert', (p) => p.transition === 'fired');
    await send(t.app, 'POST', '/api/metrics/custom', { name: 'socket_alert_value', value: 5 });
    const alert = (await fired).alert as { ruleName: string; state: string };
    assert.deepEqual([alert.ruleName, alert.state], ['Socket alert', 'firing']);

    const health = next<HealthPush>(socket, 'health', (p) => p.service === 'socket-down');
    await send(t.app, 'POST', '/api/health/services', {
      name: 'socket-down',
      url: `${target.base}/down`,
      retries: 1,
    });
    await send(t.app, 'POST', '/api/health/check', { name: 'socket-down' });
    const change = await health;
    assert.deepEqual([change.state, change.reason?.code], ['down', 'status_code']);
  });
});

describe('socket.io disabled', () => {
  it('WEBSOCKET_ENABLED=false serves no socket.io endpoint', async () => {
    const t = await startTestApp({ WEBSOCKET_ENABLED: 'false' });
    try {
      const response = await t.app.inject({ method: 'GET', url: '/socket.io/?EIO=4&transport=polling' });
      assert.equal(response.statusCode, 404);
    } finally {
      await t.close();
    }
  });
});

describe('socket.io slow clients', () => {
  it('a client that stops reading is disconnected once 200 packets wait for it, not buffered for ever', async () => {
    const t = await startTestApp({ WEBSOCKET_BROADCAST_INTERVAL: '60000' });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}/socket.io/?EIO=4&transport=polling`;
      // Engine.IO by hand over long-polling: open a session, join the default namespace, then never poll.
      const open = await (await fetch(base)).text();
      const sid = (JSON.parse(open.slice(1)) as { sid: string }).sid;
      await fetch(`${base}&sid=${sid}`, {
        method: 'POST',
        body: `40${JSON.stringify({ token: TEST_ADMIN_TOKEN })}`,
      });
      await (await fetch(`${base}&sid=${sid}`)).text(); // the namespace's connect answer
      await send(t.app, 'POST', '/api/alerts/rules', { name: 'Flood', metricName: 'flood', threshold: 0.5 });
      for (let i = 0; i < 220; i++) {
        // Each crossing fires or resolves an alert: one `alert` packet for every client.
        await send(t.app, 'POST', '/api/metrics/custom', { name: 'flood', value: i % 2 });
        await t.services.alerting.engine.settled();
      }
      // The packets it missed (at most ~200) end with the namespace's disconnect (41); the session then closes.
      const missed = await (await fetch(`${base}&sid=${sid}`)).text();
      assert.ok(missed.endsWith('41'), `last packets: ${missed.slice(-80)}`);
      let status = 200;
      for (let i = 0; i < 5 && status === 200; i++) status = (await fetch(`${base}&sid=${sid}`)).status;
      assert.equal(status, 400, 'the session is gone');
    } finally {
      await t.close();
    }
  });
});
