import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { rendezvousOwner } from '../../src/cluster/rendezvous.js';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { call, roleOf, startReplica, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const TTL_MS = 1500;
const NAMES = ['r0', 'r1', 'r2'];
const START_TIMEOUT_MS = 120_000;

interface Instant {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query through one replica: each series' labels and its sample time (ms). */
async function instant(replica: ReplicaProcess, query: string): Promise<Instant[]> {
  const r = await call(replica, 'GET', `/api/v1/query?query=${encodeURIComponent(query)}`);
  assert.equal(r.status, 200, `${replica.name}: ${r.text}`);
  return (JSON.parse(r.text) as { data: { result: Instant[] } }).data.result;
}

/** The newest sample time (ms) of `name` per value of `label`, read through one replica. */
async function newestBy(replica: ReplicaProcess, name: string, label: string): Promise<Map<string, number>> {
  const result = await instant(replica, `timestamp(${name})`);
  return new Map(result.map((s) => [s.metric[label] ?? '', Number(s.value[1]) * 1000]));
}

/**
 * Followers' own samples reach the primary (ADR 0026): three service processes on one PostgreSQL and
 * one Redis, collectors every second. Each replica's system and application series, labelled with its
 * `instance`, and the samples of the health checks each follower runs, are read back through every
 * replica; after kill -9 of the primary the surviving follower's series keep arriving.
 */
describe('followers forward their own samples to the primary', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  let target: Server;
  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CLUSTER_LEASE_TTL: String(TTL_MS),
    CHECKPOINT_INTERVAL_MS: '1000',
    SYSTEM_COLLECT_INTERVAL: '1000',
    APPLICATION_COLLECT_INTERVAL: '1000',
    FORWARD_LINGER: '100',
    // The health checks' target listens on the loopback.
    EGRESS_ALLOWLIST: '127.0.0.1',
  });
  const alive = (): ReplicaProcess[] =>
    replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

  before(async () => {
    database = await createTestDatabase('followersamples');
    target = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    // The first starts alone and takes the lease (and migrates); the others join as followers.
    // A start costs ~40 s of module loading on the shared, loaded host: allow more than the default.
    replicas.push(await startReplica('r0', env(), START_TIMEOUT_MS));
    // Settled, not all: one that fails to start must not leave the other running after the suite.
    const joined = await Promise.allSettled([
      startReplica('r1', env(), START_TIMEOUT_MS),
      startReplica('r2', env(), START_TIMEOUT_MS),
    ]);
    for (const r of joined) if (r.status === 'fulfilled') replicas.push(r.value);
    for (const r of joined) if (r.status === 'rejected') throw r.reason;
    await eventually(async () => {
      const roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'follower', 'primary'], `roles ${roles.join(',')}`);
    }, 10_000);
  });
  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await new Promise((resolve) => target.close(resolve));
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it("every replica's system and application series, with its own instance, are read on every replica", async () => {
    for (const replica of replicas)
      await eventually(async () => {
        const memory = await instant(replica, 'system_memory_total_bytes');
        assert.deepEqual(
          memory.map((s) => s.metric.instance).sort(),
          NAMES,
          `${replica.name} sees every replica's system series once`,
        );
        const requests = await instant(replica, 'metrics_service_http_active_connections');
        assert.deepEqual(
          [...new Set(requests.map((s) => s.metric.instance))].sort(),
          NAMES,
          `${replica.name} sees every replica's application series`,
        );
      }, 10_000);
    // The forwarder's own counters are per process, on each replica's /metrics: the followers sent.
    const roles = await Promise.all(replicas.map(roleOf));
    for (const [i, replica] of replicas.entries()) {
      const metrics = await call(replica, 'GET', '/metrics');
      assert.match(metrics.text, /metrics_service_forwarded_samples_dropped_total\{reason="queue_full"\} 0/);
      const sent = Number(/^metrics_service_forwarded_samples_total (\d+)/m.exec(metrics.text)?.[1]);
      if (roles[i] === 'follower') assert.ok(sent > 0, `${replica.name} forwarded ${String(sent)} samples`);
      // Stored series appear once per instance, whichever replica answers (none doubled).
      const lines = metrics.text.split('\n').filter((l) => l.startsWith('system_memory_total_bytes{'));
      assert.equal(lines.length, 3, `${replica.name}: ${lines.join(' | ')}`);
    }
  });

  it('health checks assigned to followers record their samples, read on every replica', async () => {
    const roles = await Promise.all(replicas.map(roleOf));
    const followers = replicas.filter((_, i) => roles[i] === 'follower').map((r) => r.name);
    // One service per follower: the rendezvous owner among the three members is that follower.
    const services = followers.map((follower) => {
      for (let i = 0; ; i++) {
        const name = `fs-${follower}-${String(i)}`;
        if (rendezvousOwner(name, NAMES) === follower) return name;
      }
    });
    const port = (target.address() as AddressInfo).port;
    for (const name of services) {
      const r = await call(replicas[0]!, 'POST', '/api/health/services', {
        name,
        url: `http://127.0.0.1:${String(port)}/`,
        interval: 1000,
      });
      assert.equal(r.status, 201, r.text);
    }
    for (const replica of replicas)
      await eventually(async () => {
        const success = await instant(replica, 'probe_success');
        const seen = new Map(success.map((s) => [s.metric.service, s.value[1]]));
        for (const name of services) assert.equal(seen.get(name), '1', `${replica.name}: ${name}`);
      }, 10_000);
  });

  it('kill -9 of the primary: the surviving follower keeps forwarding to the new primary', async () => {
    const roles = await Promise.all(replicas.map(roleOf));
    const primary = replicas[roles.indexOf('primary')]!;
    primary.child.kill('SIGKILL');
    await primary.exited;
    const killedAt = Date.now();
    let promoted: ReplicaProcess | undefined;
    await eventually(async () => {
      const now = await Promise.all(alive().map(roleOf));
      assert.deepEqual(now.slice().sort(), ['follower', 'primary'], `roles ${now.join(',')}`);
      promoted = alive()[now.indexOf('primary')];
    }, 15_000);
    const survivors = alive();
    const follower = survivors.find((r) => r !== promoted)!;
    // Both survivors' system series get samples taken after the kill, read through both.
    for (const replica of survivors)
      await eventually(async () => {
        const newest = await newestBy(replica, 'system_memory_total_bytes', 'instance');
        for (const r of survivors)
          assert.ok(
            (newest.get(r.name) ?? 0) > killedAt + 1000,
            `${replica.name} sees ${r.name}'s samples after the takeover (${String(newest.get(r.name))})`,
          );
      }, 15_000);
    // The follower's own forwarder lost nothing it could not keep for long (its queue is bounded).
    const metrics = await call(follower, 'GET', '/metrics');
    assert.match(metrics.text, /metrics_service_forwarded_samples_total \d+/);
  });
});
