import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import type { NotificationPush } from '../../src/realtime/events.js';
import { REDIS, skipUnlessServers } from '../support/binaries.js';
import { TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';
import { startReplicas, type Replicas } from '../cluster/replicas.js';

/**
 * Issue 19: a delivery settled by one replica's outbox is a `notification` event for the clients of every
 * replica, as `alert` events are (Redis streams adapter). Real Redis and PostgreSQL, two in-process replicas.
 */
describe('the notification socket event across replicas', async () => {
  const skip = await skipUnlessServers([REDIS]);
  let replicas: Replicas;
  let a: TestApp;
  let socket: Socket | undefined;

  before(async () => {
    if (skip !== false) return;
    replicas = await startReplicas(2);
    [a] = replicas.apps as [TestApp, TestApp];
    const b = replicas.apps[1]!;
    await b.app.listen({ host: '127.0.0.1', port: 0 });
    const urlB = `http://127.0.0.1:${String((b.app.server.address() as AddressInfo).port)}`;
    socket = io(urlB, {
      auth: { token: TEST_ADMIN_TOKEN },
      reconnection: false,
      forceNew: true,
      transports: ['websocket'],
    });
    await new Promise((resolve, reject) => {
      socket?.once('connect', () => {
        resolve(undefined);
      });
      socket?.once('connect_error', reject);
    });
  });
  after(async () => {
    socket?.close();
    if (skip === false) await replicas.close();
  });

  it('a client on replica B hears a delivery settled on replica A', { skip }, async () => {
    const settled: NotificationPush = {
      alertId: 'alert-from-a',
      channel: 'webhook',
      status: 'delivered',
      attempts: 2,
      at: Date.now(),
    };
    const received = new Promise<NotificationPush>((resolve) => {
      socket?.once('notification', resolve);
    });
    // Emitted until heard: B's adapter reader starts at the stream's end once running, so an event sent
    // before that is (rightly) not replayed (as in test/cluster/realtime-redis.test.ts).
    const timer = setInterval(() => {
      a.services.bus.emit('notification.settled', settled);
    }, 250);
    try {
      a.services.bus.emit('notification.settled', settled);
      const push = await Promise.race([
        received,
        new Promise<never>((_, reject) =>
          setTimeout(() => {
            reject(new Error('no notification event on B within 10 s'));
          }, 10_000),
        ),
      ]);
      assert.deepEqual(push, settled);
    } finally {
      clearInterval(timer);
    }
  });
});
