import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_AUTH, startTestApp } from '../support/test-app.js';
import { call, roleOf, startReplica, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const TTL_MS = 1500;
const KEEP_FIRING_S = 10;
const SLOW_FOR_S = 30;

// Put through the primary while the follower runs: the follower has never loaded these groups.
const RULES = `
groups:
  - name: failover
    interval: 1s
    rules:
      - alert: RgHot
        expr: rg_temp > 1
        for: 1s
        keep_firing_for: ${String(KEEP_FIRING_S)}s
      - alert: RgSlow
        expr: rg_slow > 1
        for: ${String(SLOW_FOR_S)}s
`;

interface PromAlert {
  labels: Record<string, string>;
  state: string;
  activeAt: string;
}

/** The alerts a replica's engine holds in memory (Prometheus' /api/v1/alerts). */
async function engineAlerts(replica: ReplicaProcess): Promise<PromAlert[]> {
  const r = await call(replica, 'GET', '/api/v1/alerts');
  assert.equal(r.status, 200, r.text);
  return (JSON.parse(r.text) as { data: { alerts: PromAlert[] } }).data.alerts;
}

function stateOf(alerts: readonly PromAlert[], name: string): string | undefined {
  return alerts.find((a) => a.labels.alertname === name)?.state;
}

/**
 * ADR 0027: the alerts of Prometheus rule groups survive a kill -9 of the primary. The promoted follower
 * installs the groups put through the API since it started, then reloads the stored alerts: a firing
 * alert stays firing without a second notification, `keep_firing_for` counts from the last true
 * evaluation of the dead primary, and a pending alert's `for` goes on from when it started.
 */
describe('Prometheus rule groups across a kill -9 of the primary', { skip: SKIP }, () => {
  let database: TestDatabase;
  let receiver: Receiver;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CLUSTER_LEASE_TTL: String(TTL_MS),
    CHECKPOINT_INTERVAL_MS: '1000',
    ALERT_EVALUATION_INTERVAL: '1000',
    SLACK_WEBHOOK_URL: `${receiver.base}/slack`,
    EGRESS_ALLOWLIST: '127.0.0.1',
  });

  before(async () => {
    database = await createTestDatabase('rulefailover');
    receiver = await startReceiver();
    replicas.push(await startReplica('g0', env()));
    replicas.push(await startReplica('g1', env()));
  });
  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await database.drop();
    await dropRedisPrefix(prefix);
    await receiver.close();
  });

  it('one notification per transition, firing kept, keep_firing_for and for honoured', async () => {
    await eventually(async () => {
      const roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'primary'], `roles ${roles.join(',')}`);
    }, 10_000);
    const roles = await Promise.all(replicas.map(roleOf));
    const primary = replicas[roles.indexOf('primary')]!;
    const follower = replicas[roles.indexOf('follower')]!;
    const put = await fetch(`${primary.url}/api/alerts/rule-groups`, {
      method: 'PUT',
      headers: { ...ADMIN_AUTH, 'content-type': 'application/yaml' },
      body: RULES,
    });
    assert.equal(put.status, 200, await put.text());
    const write = async (target: ReplicaProcess, name: string, value: number): Promise<void> => {
      await eventually(async () => {
        const r = await call(target, 'POST', '/api/metrics/custom', { name, value });
        assert.equal(r.status, 200, `${name}=${String(value)}: ${r.text}`);
      }, 15_000);
    };
    await write(primary, 'rg_temp', 5);
    await write(primary, 'rg_slow', 5);
    await receiver.waitFor(1, 15_000);
    const slowPendingAt = await eventually(async () => {
      assert.equal(stateOf(await engineAlerts(primary), 'RgSlow'), 'pending', 'RgSlow pending');
    }, 5000).then(async () => (await engineAlerts(primary)).find((a) => a.labels.alertname === 'RgSlow')!);
    // Firing longer than keep_firing_for with an unchanged value, then the condition clears: the dead
    // primary's last true evaluation is what keep_firing_for counts from, not when the alert fired.
    await new Promise((resolve) => setTimeout(resolve, (KEEP_FIRING_S + 1) * 1000));
    await write(primary, 'rg_temp', 0);
    const clearedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal(stateOf(await engineAlerts(primary), 'RgHot'), 'firing', 'kept firing on the old primary');
    primary.child.kill('SIGKILL');
    await primary.exited;

    await eventually(
      async () => {
        assert.equal(await roleOf(follower), 'primary', 'the follower took over');
      },
      TTL_MS * 2 + 8000,
    );
    const tookOverAt = Date.now();
    await eventually(async () => {
      assert.equal(
        stateOf(await engineAlerts(follower), 'RgHot'),
        'firing',
        'RgHot firing on the new primary',
      );
    }, 3000);
    assert.ok(
      Date.now() - clearedAt < KEEP_FIRING_S * 1000,
      `took over too late to tell (${String(Date.now() - clearedAt)} ms after the condition cleared)`,
    );
    // RgHot resolves once keep_firing_for has passed since the condition last held (with one notification).
    await receiver.waitFor(2, 20_000);
    const resolvedAfter = Date.now() - clearedAt;
    assert.ok(
      resolvedAfter >= (KEEP_FIRING_S - 1.5) * 1000 && resolvedAfter <= (KEEP_FIRING_S + 5) * 1000,
      `RgHot resolved ${String(resolvedAfter)} ms after its condition cleared (keep_firing_for ${String(KEEP_FIRING_S)} s)`,
    );
    assert.match(receiver.received[1]!.raw, /RgHot/, 'the second notification is RgHot resolving');
    // RgSlow fires `for` after it became pending on the dead primary, not after the takeover.
    await receiver.waitFor(3, (SLOW_FOR_S + 10) * 1000);
    const firedAfter = Date.now() - Date.parse(slowPendingAt.activeAt);
    assert.ok(
      firedAfter >= (SLOW_FOR_S - 1) * 1000 && firedAfter < (SLOW_FOR_S + 5) * 1000,
      `RgSlow fired ${String(firedAfter)} ms after it became pending (for ${String(SLOW_FOR_S)} s; takeover ${String(tookOverAt - clearedAt)} ms after clearing)`,
    );
    assert.match(receiver.received[2]!.raw, /RgSlow/);
    await new Promise((resolve) => setTimeout(resolve, 3000));
    const keys = receiver.received.map((r) => String(r.headers['idempotency-key']));
    assert.equal(new Set(keys).size, keys.length, `a notification sent twice: ${keys.join(', ')}`);
    assert.equal(keys.length, 3, `RgHot fired, RgHot resolved, RgSlow fired: ${keys.join(', ')}`);
    assert.equal(stateOf(await engineAlerts(follower), 'RgSlow'), 'firing');
  });
});

/**
 * A rule file put through one replica is stored there (the route is not forwarded): the alert owner
 * installs it at its next group tick. Two apps on one SQLite file stand in for two replicas.
 */
describe('rule groups put through another replica', () => {
  it('the evaluating replica installs the stored groups at its next tick, and a replacement too', async () => {
    const owner = await startTestApp();
    const other = await startTestApp({}, owner.dataDir);
    try {
      const put = async (body: string): Promise<void> => {
        const r = await other.app.inject({
          method: 'PUT',
          url: '/api/alerts/rule-groups',
          headers: { 'content-type': 'application/yaml' },
          payload: body,
        });
        assert.equal(r.statusCode, 200, r.body);
      };
      const groups = owner.services.alerting.ruleGroups;
      await put(RULES);
      assert.deepEqual(groups.list(), [], 'not seen before a tick');
      await groups.runDue();
      assert.equal(groups.apiFile(), RULES);
      assert.deepEqual(
        groups.list().map((g) => g.group.name),
        ['failover'],
      );
      assert.ok(
        owner.services.alerting.rules.find('prom:api:failover:alert:RgHot'),
        'RgHot in the rule book',
      );
      await put('groups: []\n');
      await groups.runDue();
      assert.deepEqual(groups.list(), [], 'replaced by the empty file');
      assert.equal(owner.services.alerting.rules.find('prom:api:failover:alert:RgHot'), undefined);
    } finally {
      await other.stop();
      await owner.close();
    }
  });
});
