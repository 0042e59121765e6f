import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { rendezvousOwner } from '../../src/cluster/rendezvous.js';
import { phaseOf } from '../../src/health/scheduler.js';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { call, roleOf, type ReplicaProcess, killReplicas, startReplicaSet } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const INTERVAL_MS = 60_000;

/**
 * A new health service is checked at once on the replica that owns it (issue 16), as in one process,
 * even when it was created through another replica. Before, the owner heard of it through the change
 * feed and scheduled it at its phase of the interval: up to 60 s with no check.
 */
describe('first check of a service created through a follower', { skip: SKIP }, () => {
  let database: TestDatabase;
  let target: Server;
  const requests: number[] = [];
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  let primary: ReplicaProcess;
  let follower: ReplicaProcess;

  before(async () => {
    database = await createTestDatabase('firstcheck');
    target = createServer((_request, response) => {
      requests.push(Date.now());
      response.end('ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      EGRESS_ALLOWLIST: '127.0.0.1',
    };
    await startReplicaSet(replicas, ['f0', 'f1'], () => env);
    let roles: (string | undefined)[] = [];
    await eventually(async () => {
      roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'primary'], `roles ${roles.join(',')}`);
    }, 30_000);
    primary = replicas[roles.indexOf('primary')]!;
    follower = replicas[roles.indexOf('follower')]!;
    // Both replicas must know both members, or each takes every service as its own (checked twice).
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      await eventually(async () => {
        const live = await client.query(
          'SELECT replica_id FROM cluster_members WHERE expires_at > clock_timestamp()',
        );
        assert.equal(live.rowCount, 2);
      }, 30_000);
    } finally {
      await client.end();
    }
    await sleep(5_000); // one membership heartbeat (a third of its TTL) for each to read the list
  });
  after(async () => {
    await killReplicas(replicas);
    await new Promise((resolve) => target.close(resolve));
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('is checked within seconds by its owner, once', async () => {
    // A name the primary owns, placed late in its interval: without the fix its first check would wait.
    const members = replicas.map((r) => r.name);
    const name = Array.from({ length: 200 }, (_, i) => `first-${String(i)}`).find(
      (n) => rendezvousOwner(n, members) === primary.name && phaseOf(n, INTERVAL_MS) >= INTERVAL_MS / 2,
    )!;
    const url = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
    const createdAt = Date.now();
    const created = await call(follower, 'POST', '/api/health/services', {
      name,
      url,
      interval: INTERVAL_MS,
    });
    assert.equal(created.status, 201, created.text);
    await eventually(() => {
      assert.ok(requests.length > 0, 'no check yet');
    }, 20_000);
    const delay = requests[0]! - createdAt;
    // Generous: the host is shared and loaded; the phase would have been ≥ 30 s.
    assert.ok(delay < 10_000, `first check after ${String(delay)} ms`);
    await sleep(3_000);
    assert.equal(requests.length, 1, 'checked by its owner only, not also by the follower it was created on');
    await eventually(async () => {
      const r = await call(primary, 'GET', `/api/health/services/${name}`);
      assert.equal((JSON.parse(r.text) as { state?: string }).state, 'up', r.text);
    }, 10_000);
  });
});
