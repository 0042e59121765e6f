import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { Alert } from '../../src/alerting/alert.js';
import { userSession } from '../support/auth.js';
import { REDIS, skipUnlessServers } from '../support/binaries.js';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';
import { startReplicas, type Replicas } from './replicas.js';

function connect(url: string, token: string): Promise<Socket> {
  const socket = io(url, { auth: { token }, reconnection: false, forceNew: true, transports: ['websocket'] });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('connect_error', reject);
  });
}

function next<T>(socket: Socket, event: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`no ${event} within ${String(timeoutMs)} ms`));
    }, timeoutMs);
    socket.once(event, (data: T) => {
      clearTimeout(timer);
      resolve(data);
    });
  });
}

/**
 * Emits until the event arrives: the adapter's reader on B starts at the stream's end once it is running,
 * so an event emitted before that is (rightly) not replayed; a fixed sleep raced it on a loaded host.
 */
async function untilReceived<T>(socket: Socket, event: string, emit: () => void): Promise<T> {
  const received = next<T>(socket, event, 10_000);
  const timer = setInterval(emit, 250);
  emit();
  try {
    return await received;
  } finally {
    clearInterval(timer);
  }
}

function firingAlert(): Alert {
  const now = Date.now();
  return {
    id: 'alert-from-a',
    ruleId: 'rule-a',
    ruleName: 'Raised on replica A',
    fingerprint: 'fp',
    labels: { service: 'booking' },
    annotations: {},
    severity: 'critical',
    state: 'firing',
    value: 97,
    pendingAt: now,
    firedAt: now,
    resolvedAt: undefined,
    resolvedBy: undefined,
    lastTrueAt: now,
    acknowledgedAt: undefined,
    acknowledgedBy: undefined,
    lastNotifiedAt: undefined,
    notified: 0,
    silencedBy: undefined,
  };
}

describe('socket.io across replicas (Redis streams adapter)', async () => {
  const skip = await skipUnlessServers([REDIS]);
  let replicas: Replicas;
  let a: TestApp;
  let urlB = '';
  const sockets: Socket[] = [];

  before(async () => {
    if (skip !== false) return;
    replicas = await startReplicas(2, { WEBSOCKET_BROADCAST_INTERVAL: '500' });
    [a] = replicas.apps as [TestApp, TestApp];
    const b = replicas.apps[1]!;
    await b.app.listen({ host: '127.0.0.1', port: 0 });
    urlB = `http://127.0.0.1:${String((b.app.server.address() as AddressInfo).port)}`;
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    if (skip === false) await replicas.close();
  });

  it(
    'a client on replica B receives an alert event and a health change emitted on replica A',
    { skip },
    async () => {
      const socket = await connect(urlB, TEST_ADMIN_TOKEN);
      sockets.push(socket);
      const received = await untilReceived<{ transition: string; alert: { id: string; state: string } }>(
        socket,
        'alert',
        () => {
          a.services.bus.emit('alert.changed', { alert: firingAlert(), transition: 'fired' });
        },
      );
      assert.equal(received.transition, 'fired');
      assert.equal(received.alert.id, 'alert-from-a');

      const change = await untilReceived<{ service: string; state: string; previous: string }>(
        socket,
        'health',
        () => {
          a.services.bus.emit('health.changed', {
            service: 'checkout',
            url: 'https://checkout.example.com/health',
            previous: 'up',
            state: 'down',
            reason: { code: 'connection_error', message: 'refused' },
            at: Date.now(),
            durationMs: 3,
            statusCode: undefined,
          });
        },
      );
      assert.equal(change.service, 'checkout');
      assert.equal(change.previous, 'up');
      assert.equal(change.state, 'down');
    },
  );

  it(
    "revoking a user's tokens on replica A disconnects the user's socket on replica B",
    { skip },
    async () => {
      const viewer = await userSession(a.app, 'cluster-viewer', 'viewer');
      const socket = await connect(urlB, viewer.access);
      sockets.push(socket);
      const cut = next<string>(socket, 'disconnect');
      await new Promise((resolve) => setTimeout(resolve, 200));
      const changed = await a.app.inject({
        method: 'PATCH',
        url: '/api/auth/users/cluster-viewer',
        payload: { role: 'editor' },
      });
      assert.equal(changed.statusCode, 200);
      assert.equal(await cut, 'io server disconnect');
    },
  );

  it(
    'periodic pushes stay local: a subscriber on B gets one push per interval, not one per replica',
    { skip },
    async () => {
      const socket = await connect(urlB, TEST_ADMIN_TOKEN);
      sockets.push(socket);
      const ack = (await socket.emitWithAck('subscribe', { type: 'alerts' })) as {
        ok: boolean;
        subscriptions: string[];
      };
      assert.deepEqual(ack, { ok: true, subscriptions: ['alerts'] });
      let pushes = 0;
      socket.on('metrics', (m: { type: string }) => {
        if (m.type === 'alerts') pushes++;
      });
      // Both replicas push every 500 ms; through the adapter B's client would get both (about 8 in 2 s).
      await new Promise((resolve) => setTimeout(resolve, 2000));
      assert.ok(pushes >= 3 && pushes <= 5, `${String(pushes)} pushes in 2 s at one per 500 ms`);
    },
  );
});
