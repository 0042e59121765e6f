import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  call,
  roleOf,
  killReplicas,
  startReplica,
  startReplicaSet,
  type ReplicaProcess,
} from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const TTL_MS = 1500;
const KILLS = 5;
const WRITERS = ['a', 'b', 'c'];

/** The values of `name{writer}` stored at each timestamp, read through one replica's range query. */
async function stored(
  replica: ReplicaProcess,
  writer: string,
  from: number,
  to: number,
): Promise<Map<number, number>> {
  const r = await call(
    replica,
    'GET',
    `/api/metrics/query?metric=rf_steps&start=${String(from)}&end=${String(to)}&step=1s`,
  );
  assert.equal(r.status, 200, r.text);
  const body = JSON.parse(r.text) as {
    series: { labels: Record<string, string>; points: [number, number][] }[];
  };
  const series = body.series.find((s) => s.labels.writer === writer);
  return new Map((series?.points ?? []).map(([t, v]) => [t, v]));
}

/**
 * Issue 16's proof: kill -9 of the primary in the middle of concurrent ingest, five times (a fresh replica
 * joins after each kill, so three stay): no acknowledged sample lost or changed, ingest resumes each time.
 */
describe('five kill -9 of the primary under concurrent ingest', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  const replicas: ReplicaProcess[] = [];
  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CLUSTER_LEASE_TTL: String(TTL_MS),
    CHECKPOINT_INTERVAL_MS: '1000',
  });
  const alive = (): ReplicaProcess[] =>
    replicas.filter((r) => r.child.exitCode === null && r.child.signalCode === null);

  before(async () => {
    database = await createTestDatabase('refailover');
    await startReplicaSet(replicas, ['f0', 'f1', 'f2'], env);
  });
  after(async () => {
    await killReplicas(replicas);
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('loses no acknowledged sample and writes none twice across five failovers', async () => {
    await eventually(async () => {
      const roles = await Promise.all(alive().map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'follower', 'primary'], `roles ${roles.join(',')}`);
    }, 20_000);
    const start = Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000;
    const acknowledged = new Map(WRITERS.map((w) => [w, new Map<number, number>()]));
    let stop = false;
    const writer = async (name: string, offset: number): Promise<void> => {
      let step = 0;
      while (!stop) {
        const targets = alive();
        const target = targets[(step + offset) % targets.length]!;
        const t = start + step * 1000;
        const r = await call(target, 'POST', '/api/metrics/custom', {
          name: 'rf_steps',
          value: step,
          labels: { writer: name },
          timestamp: t,
        }).catch(() => ({ status: 0, text: '', headers: new Headers() }));
        if (r.status === 200) {
          acknowledged.get(name)!.set(t, step);
          step++;
        } else {
          assert.ok([0, 503].includes(r.status), `unexpected ${String(r.status)}: ${r.text}`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
      }
    };
    const writers = WRITERS.map((name, i) => writer(name, i));
    const total = (): number => [...acknowledged.values()].reduce((n, m) => n + m.size, 0);
    try {
      for (let kill = 1; kill <= KILLS; kill++) {
        const before = total();
        await eventually(() => {
          assert.ok(total() > before + 10, `ingest resumed before kill ${String(kill)}`);
        }, 20_000);
        const roles = await Promise.all(alive().map(roleOf));
        const primary = alive()[roles.indexOf('primary')];
        assert.ok(primary !== undefined, `a primary before kill ${String(kill)}: ${roles.join(',')}`);
        primary.child.kill('SIGKILL');
        await primary.exited;
        // A fresh replica joins while the survivors elect a new primary.
        const joining = startReplica(`f${String(kill + 2)}`, env());
        await eventually(
          async () => {
            const now = await Promise.all(alive().map(roleOf));
            assert.ok(now.includes('primary'), `no primary after kill ${String(kill)}: ${now.join(',')}`);
          },
          TTL_MS * 2 + 15_000,
        );
        replicas.push(await joining);
      }
      const before = total();
      await eventually(() => {
        assert.ok(total() > before + 10, 'ingest resumed after the last kill');
      }, 20_000);
    } finally {
      stop = true;
      await Promise.all(writers);
    }
    process.stderr.write(`# ${String(KILLS)} kills: ${String(total())} samples acknowledged\n`);
    for (const replica of alive())
      for (const [name, samples] of acknowledged) {
        const end = start + (samples.size - 1) * 1000;
        await eventually(async () => {
          const seen = await stored(replica, name, start, end);
          const wrong = [...samples].filter(([t, v]) => seen.get(t) !== v);
          assert.equal(
            wrong.length,
            0,
            `${replica.name}, writer ${name}: ${String(wrong.length)} of ${String(samples.size)} acknowledged samples missing or wrong, first ${JSON.stringify(wrong.slice(0, 3))}`,
          );
          assert.equal(
            seen.size,
            samples.size,
            `${replica.name}, writer ${name}: nothing unacknowledged stored`,
          );
        }, 10_000);
      }
  });
});
