import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { call, killReplicas, roleOf, startReplicaSet, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
/** Longer than the socket.io adapter's heartbeat (5 s) and ioredis' retries: every Redis client fails. */
const OUTAGE_MS = 15_000;

function connectSocket(url: string, token: string): Promise<Socket> {
  const socket = io(url, { auth: { token }, reconnection: false, forceNew: true, transports: ['websocket'] });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      resolve(socket);
    });
    socket.once('connect_error', reject);
  });
}

/**
 * Redis goes away for a while under two replicas, then comes back (the PostgreSQL outage has its own test,
 * test/storage/postgres-service.test.ts). Redis carries no acknowledged data (ADR 0013): while it is gone a
 * replica must keep serving and taking writes (rate limits pass, the socket adapter's publishes fail and
 * are dropped), never crash on a rejected Redis command, and heal by itself when Redis returns.
 */
describe('replicas through a Redis outage', { skip: SKIP }, () => {
  let database: TestDatabase;
  let proxy: TcpProxy;
  let proxyPort = 0;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  const sockets: Socket[] = [];

  before(async () => {
    database = await createTestDatabase('redis_outage');
    proxy = await startTcpProxy(6379);
    proxyPort = proxy.port;
    await startReplicaSet(replicas, ['ra', 'rb'], () => ({
      DATABASE_URL: database.url,
      REDIS_URL: `redis://127.0.0.1:${String(proxyPort)}`,
      REDIS_KEY_PREFIX: prefix,
    }));
  });

  after(async () => {
    for (const socket of sockets) socket.disconnect();
    await killReplicas(replicas);
    await proxy.close();
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  /** A token created on one replica, a socket of it on the other, the token revoked: the socket is cut. */
  async function revocationCrossesReplicas(from: ReplicaProcess, to: ReplicaProcess): Promise<void> {
    const created = await call(from, 'POST', '/api/auth/tokens', {
      name: `t${String(Date.now())}`,
      scopes: ['read'],
    });
    assert.equal(created.status, 201, created.text);
    const { id, token } = JSON.parse(created.text) as { id: string; token: string };
    const socket = await connectSocket(to.url, token);
    sockets.push(socket);
    const cut = new Promise<void>((resolve) =>
      socket.once('disconnect', () => {
        resolve();
      }),
    );
    const revoked = await call(from, 'DELETE', `/api/auth/tokens/${id}`);
    assert.equal(revoked.status, 200, revoked.text);
    await Promise.race([
      cut,
      new Promise((_, reject) =>
        setTimeout(() => {
          reject(new Error('socket on the other replica not cut'));
        }, 10_000),
      ),
    ]);
  }

  it('keeps serving and taking writes while Redis is gone, and fans out again once it is back', async () => {
    const [a, b] = replicas as [ReplicaProcess, ReplicaProcess];
    await eventually(async () => {
      assert.deepEqual((await Promise.all(replicas.map(roleOf))).sort(), ['follower', 'primary']);
    }, 30_000);
    await eventually(() => revocationCrossesReplicas(a, b), 30_000);

    await proxy.close();
    const outageEnds = Date.now() + OUTAGE_MS;
    let written = 0;
    while (Date.now() < outageEnds) {
      for (const replica of replicas) {
        const r = await call(replica, 'POST', '/api/metrics/custom', {
          name: 'during_redis_outage',
          value: written,
        });
        assert.equal(r.status, 200, `${replica.name} during the outage: ${String(r.status)} ${r.text}`);
        written++;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    for (const replica of replicas)
      assert.equal(
        replica.child.exitCode ?? replica.child.signalCode,
        null,
        `${replica.name} died:\n${replica.output()}`,
      );

    proxy = await startTcpProxy(6379, proxyPort);
    // Healed by itself: socket fan-out through the streams adapter works again, both ways.
    await eventually(() => revocationCrossesReplicas(a, b), 30_000);
    await eventually(() => revocationCrossesReplicas(b, a), 30_000);
    for (const replica of replicas)
      assert.equal(
        replica.child.exitCode ?? replica.child.signalCode,
        null,
        `${replica.name} died:\n${replica.output()}`,
      );
  });
});
