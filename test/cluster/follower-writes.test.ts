import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ADMIN_AUTH } from '../support/test-app.js';
import { call, roleOf, type ReplicaProcess, killReplicas, startReplicaSet } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);

/** The `probe_success` series of one health service a replica answers an instant query with. */
async function probeSeries(replica: ReplicaProcess, service: string): Promise<unknown[]> {
  const query = encodeURIComponent(`probe_success{service="${service}"}`);
  const r = await call(replica, 'GET', `/api/v1/query?query=${query}`);
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as { data: { result: unknown[] } }).data.result;
}

/**
 * Writes sent to a follower that the primary owns (issue 16): a Prometheus rule file (the primary
 * evaluates the groups) and a health service's deletion (it deletes the service's series, which only the
 * writer of metric data may do) are forwarded to the primary, whose answer the follower relays.
 */
describe('writes the primary owns, sent to a follower', { skip: SKIP }, () => {
  let database: TestDatabase;
  let target: Server;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  let primary: ReplicaProcess;
  let follower: ReplicaProcess;

  before(async () => {
    database = await createTestDatabase('followerwrites');
    target = createServer((_request, response) => response.end('ok'));
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      // The checked service below listens on the loopback.
      EGRESS_ALLOWLIST: '127.0.0.1',
    };
    await startReplicaSet(replicas, ['w0', 'w1'], () => env);
    let roles: (string | undefined)[] = [];
    await eventually(async () => {
      roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'primary'], `roles ${roles.join(',')}`);
    }, 30_000);
    primary = replicas[roles.indexOf('primary')]!;
    follower = replicas[roles.indexOf('follower')]!;
  });
  after(async () => {
    await killReplicas(replicas);
    await new Promise((resolve) => target.close(resolve));
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('a rule file put through a follower is answered by the primary, which runs it at once', async () => {
    const file =
      'groups:\n  - name: forwarded\n    rules:\n      - record: fw_forwarded\n        expr: vector(1)\n';
    const put = await fetch(`${follower.url}/api/alerts/rule-groups`, {
      method: 'PUT',
      headers: { ...ADMIN_AUTH, 'content-type': 'application/yaml' },
      body: file,
      signal: AbortSignal.timeout(15_000),
    });
    const answer = (await put.json()) as { file: string };
    assert.equal(put.status, 200, JSON.stringify(answer));
    assert.equal(answer.file, file, "the follower relays the primary's answer");
    // At once, not at the primary's next tick (before, the follower answered from its own copy).
    const onPrimary = await call(primary, 'GET', '/api/alerts/rule-groups');
    assert.equal((JSON.parse(onPrimary.text) as { file: string }).file, file, 'the primary runs the file');
  });

  it('a health service deleted through a follower is gone everywhere, with its series', async () => {
    const url = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/`;
    // Checked every second, so the series appear quickly (first-check.test.ts covers the first check).
    const created = await call(follower, 'POST', '/api/health/services', {
      name: 'fw-web',
      url,
      interval: 1000,
    });
    assert.equal(created.status, 201, created.text);
    for (const replica of replicas)
      await eventually(async () => {
        assert.equal((await probeSeries(replica, 'fw-web')).length, 1, `${replica.name} stores the check`);
      }, 20_000);

    const deleted = await call(follower, 'DELETE', '/api/health/services/fw-web');
    assert.equal(deleted.status, 204, deleted.text);
    for (const replica of replicas)
      await eventually(async () => {
        const r = await call(replica, 'GET', '/api/health/services/fw-web');
        assert.equal(r.status, 404, `${replica.name} still has the service: ${r.text}`);
        assert.deepEqual(await probeSeries(replica, 'fw-web'), [], `${replica.name} still has its series`);
      }, 10_000);
  });
});
