import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { call, roleOf, startReplica, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const TTL_MS = 1500;

/** The values of `name` stored at each timestamp, read through one replica's range query. */
async function stored(
  replica: ReplicaProcess,
  name: string,
  from: number,
  to: number,
): Promise<Map<number, number>> {
  const r = await call(
    replica,
    'GET',
    `/api/metrics/query?metric=${name}&start=${String(from)}&end=${String(to)}&step=1s`,
  );
  assert.equal(r.status, 200, r.text);
  const body = JSON.parse(r.text) as { series: { points: [number, number][] }[] };
  return new Map((body.series[0]?.points ?? []).map(([t, v]) => [t, v]));
}

/**
 * Three service processes on one PostgreSQL database and one Redis (ADR 0020): one primary writes, two
 * followers forward writes to it and tail its write-ahead log; kill -9 of the primary under a steady
 * writer loses no acknowledged sample.
 */
describe('metric data path with three replicas', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CLUSTER_LEASE_TTL: String(TTL_MS),
    CHECKPOINT_INTERVAL_MS: '1000',
    ALERT_EVALUATION_INTERVAL: '1000',
    // The webhook receiver below listens on the loopback.
    EGRESS_ALLOWLIST: '127.0.0.1',
  });
  let receiver: Receiver;

  before(async () => {
    database = await createTestDatabase('datapath');
    receiver = await startReceiver();
    // The first starts alone and takes the lease; the others join as followers.
    replicas.push(await startReplica('r0', env()));
    replicas.push(...(await Promise.all([startReplica('r1', env()), startReplica('r2', env())])));
  });
  after(async () => {
    for (const r of replicas) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await database.drop();
    await dropRedisPrefix(prefix);
    await receiver.close();
  });

  it('one primary, two followers; writes through any replica are read back the same through all', async () => {
    await eventually(async () => {
      const roles = await Promise.all(replicas.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'follower', 'primary'], `roles ${roles.join(',')}`);
    }, 10_000);
    const from = Math.floor(Date.now() / 1000) * 1000 - 60_000;
    for (const [i, replica] of replicas.entries()) {
      const metrics = [0, 1, 2].map((k) => ({
        name: 'dp_gauge',
        value: i * 10 + k,
        timestamp: from + (i * 3 + k) * 1000,
      }));
      const r = await call(replica, 'POST', '/api/metrics/batch', { metrics });
      assert.equal(r.status, 200, `${replica.name}: ${r.text}`);
    }
    const expected = new Map(
      [0, 1, 2].flatMap((i) =>
        [0, 1, 2].map((k) => [from + (i * 3 + k) * 1000, i * 10 + k] as [number, number]),
      ),
    );
    for (const replica of replicas)
      await eventually(async () => {
        const seen = await stored(replica, 'dp_gauge', from, from + 8000);
        assert.deepEqual(
          [...seen].filter(([t]) => expected.has(t)),
          [...expected],
          `${replica.name} caught up`,
        );
      }, 5000);
  });

  it('kill -9 of the primary under a steady writer: a follower takes over, every acknowledged sample is kept once', async () => {
    const roles = await Promise.all(replicas.map(roleOf));
    const primary = replicas[roles.indexOf('primary')]!;
    const followers = replicas.filter((r) => r !== primary);
    const start = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
    const acknowledged = new Map<number, number>();
    let next = 0;
    let stop = false;
    let refused = 0;
    const writer = (async () => {
      while (!(stop as boolean)) {
        const t = start + next * 1000;
        const target =
          replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null)[next % 3] ??
          followers[0]!;
        const r = await call(target, 'POST', '/api/metrics/custom', {
          name: 'dp_steps',
          value: next,
          timestamp: t,
        }).catch(() => ({ status: 0, text: '', headers: new Headers() }));
        if (r.status === 200 || r.status === 201) {
          acknowledged.set(t, next);
          next++;
        } else {
          refused++;
          assert.ok([0, 503].includes(r.status), `unexpected ${String(r.status)}: ${r.text}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const killedAt = performance.now();
    primary.child.kill('SIGKILL');
    await primary.exited;
    let tookOverAt = 0;
    await eventually(
      async () => {
        const now = await Promise.all(followers.map(roleOf));
        assert.ok(now.includes('primary'), `no primary yet: ${now.join(',')}`);
        tookOverAt ||= performance.now();
      },
      TTL_MS * 2 + 8000,
    );
    const before = next;
    await eventually(() => {
      assert.ok(next > before + 5, 'ingest resumed through the survivors');
    }, 10_000);
    stop = true;
    await writer;
    const takeoverMs = tookOverAt - killedAt;
    assert.ok(takeoverMs < TTL_MS + 5000, `took over in ${String(Math.round(takeoverMs))} ms`);
    const end = start + (next - 1) * 1000;
    for (const follower of followers)
      await eventually(async () => {
        const seen = await stored(follower, 'dp_steps', start, end);
        const missing = [...acknowledged].filter(([t, v]) => seen.get(t) !== v);
        assert.equal(
          missing.length,
          0,
          `${follower.name}: ${String(missing.length)} of ${String(acknowledged.size)} acknowledged samples missing or wrong, first ${JSON.stringify(missing.slice(0, 3))}`,
        );
      }, 5000);
    process.stderr.write(
      `# failover: took over in ${String(Math.round(takeoverMs))} ms; ${String(acknowledged.size)} acknowledged, ${String(refused)} refused (503) meanwhile\n`,
    );
  });

  it('alerts are evaluated by the primary only: one notification per alert, also across a kill -9', async () => {
    replicas.push(await startReplica('r3', env()));
    const alive = (): ReplicaProcess[] =>
      replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const channel = await call(alive()[0]!, 'POST', '/api/alerts/channels', {
      name: 'hook',
      type: 'webhook',
      destination: `${receiver.base}/hook`,
    });
    assert.equal(channel.status, 201, channel.text);
    const rule = await call(alive()[1]!, 'POST', '/api/alerts/rules', {
      name: 'Hot',
      metricName: 'dp_alert',
      condition: '>',
      threshold: 1,
      notificationChannels: [{ channel: 'hook' }],
    });
    assert.equal(rule.status, 201, rule.text);
    const push = async (value: number): Promise<void> => {
      for (const service of ['a', 'b', 'c']) {
        const target = alive()[0]!;
        await eventually(async () => {
          const r = await call(target, 'POST', '/api/metrics/custom', {
            name: 'dp_alert',
            value,
            labels: { service },
          });
          assert.equal(r.status, 200, r.text);
        }, 10_000);
      }
    };
    await push(5);
    await receiver.waitFor(3, 15_000);
    const roles = await Promise.all(alive().map(roleOf));
    const primary = alive()[roles.indexOf('primary')]!;
    primary.child.kill('SIGKILL');
    await primary.exited;
    await eventually(
      async () => {
        const now = await Promise.all(alive().map(roleOf));
        assert.ok(now.includes('primary'), `no primary yet: ${now.join(',')}`);
      },
      TTL_MS * 2 + 8000,
    );
    // Still firing under the new primary, for a few evaluations.
    await push(6);
    await new Promise((resolve) => setTimeout(resolve, 4000));
    const keys = receiver.received.map((r) => String(r.headers['idempotency-key']));
    assert.equal(new Set(keys).size, keys.length, `a notification sent twice: ${keys.join(', ')}`);
    assert.equal(keys.length, 3, `one notification per alert, got ${String(keys.length)}`);
  });

  it('a primary paused past its lease (SIGSTOP) is deposed: after SIGCONT it never writes under its old epoch, it follows', async () => {
    const alive = (): ReplicaProcess[] =>
      replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);
    const roles = await Promise.all(alive().map(roleOf));
    const paused = alive()[roles.indexOf('primary')]!;
    const other = alive().find((r) => r !== paused)!;
    const admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
    const rowsOf = async (epoch: number): Promise<number> =>
      (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM wal WHERE epoch = $1', [epoch]))
        .rows[0]!.n;
    const oldEpoch = Number(
      (await admin.query<{ epoch: string }>("SELECT epoch FROM cluster_leases WHERE name = 'primary'"))
        .rows[0]!.epoch,
    );
    paused.child.kill('SIGSTOP');
    let rowsBefore = 0;
    try {
      await eventually(
        async () => {
          assert.equal(await roleOf(other), 'primary', 'the other replica took over');
        },
        TTL_MS * 2 + 8000,
      );
      rowsBefore = await rowsOf(oldEpoch);
      // Sent while it sleeps, handled after SIGCONT: refused by the fence (503, Retry-After) if the
      // process still thinks itself primary, or forwarded to the new primary (200) if it already knows.
      const pending = call(paused, 'POST', '/api/metrics/custom', { name: 'dp_paused', value: 1 });
      await new Promise((resolve) => setTimeout(resolve, 200));
      paused.child.kill('SIGCONT');
      const answer = await pending;
      assert.ok([200, 503].includes(answer.status), answer.text);
      if (answer.status === 503) assert.equal(answer.headers.get('retry-after'), '1');
    } finally {
      paused.child.kill('SIGCONT');
    }
    // Truncation may only remove rows of the old epoch: none was added after the takeover.
    assert.ok((await rowsOf(oldEpoch)) <= rowsBefore, 'no write-ahead row under the deposed epoch');
    await admin.end();
    const written = await call(other, 'POST', '/api/metrics/custom', { name: 'dp_paused', value: 2 });
    assert.equal(written.status, 200, written.text);
    await eventually(async () => {
      assert.equal(await roleOf(paused), 'follower', 'the deposed primary follows');
      const exposed = await call(paused, 'GET', '/metrics');
      const shown = exposed.text.split('\n').filter((line) => line.startsWith('dp_paused'));
      // On failure, what the deposed process logged about its roles says where it stopped.
      const roleLog = paused
        .output()
        .split('\n')
        .filter((line) => /role|lease|wal tail/.test(line))
        .slice(-12)
        .join('\n');
      assert.ok(
        shown.includes('dp_paused 2'),
        `shows the new primary's write; has ${shown.join(', ')}\n${roleLog}`,
      );
    }, 20_000);
  });
});
