import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { CLUSTER_POOL_MAX } from '../../src/cluster/create-cluster.js';
import { createTestDatabase, PG_ADMIN_URL, type TestDatabase } from '../support/postgres.js';
import { connectionsByRemotePort } from './connections.js';
import { ADMIN_AUTH } from '../support/test-app.js';
import { call, startReplica, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, REDIS_URL, redisPrefix } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const POOL_MAX = 5;

/** Connections to `database` per application_name, as the server sees them. */
async function pgActivity(database: string): Promise<Record<string, number>> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ application_name: string; n: string }>(
      `SELECT application_name, count(*) AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid() GROUP BY application_name`,
      [database],
    );
    return Object.fromEntries(rows.map((row) => [row.application_name, Number(row.n)]));
  } finally {
    await client.end();
  }
}

/**
 * A replica shares its connections (issue 16): the stores and push groups use one PostgreSQL pool
 * (DATABASE_POOL_MAX bounds them), the lease, membership and WAL listener a small lane of their own (at most
 * CLUSTER_POOL_MAX, so a renewal never waits behind data queries), the primary lease's lock one session; the rate limiter uses the Redis
 * commands client, so Redis sees the five connections the cluster needs and no more: commands (shared with
 * the limiter), the change feed's subscriber, and the socket.io adapter's three (its client without a
 * command timeout, which it duplicates for blocking reads and for pub/sub).
 */
describe('a replica shares its PostgreSQL pool and Redis connections', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  let replica: ReplicaProcess;

  before(async () => {
    database = await createTestDatabase('connections');
    replica = await startReplica('conn-0', {
      DATABASE_URL: database.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      DATABASE_POOL_MAX: String(POOL_MAX),
    });
  });
  after(async () => {
    replica.child.kill('SIGKILL');
    await replica.exited;
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('opens DATABASE_POOL_MAX data connections, a small coordination lane and five Redis connections, under load', async () => {
    // Concurrent work through every part that talks to the databases: ingest (WAL commits), pushes (push
    // groups), rate-limited API reads (the limiter's Redis counters); idle connections stay open 30 s.
    const work: Promise<unknown>[] = [];
    for (let i = 0; i < 12; i++) {
      work.push(
        call(replica, 'POST', '/api/metrics/batch', {
          metrics: [{ name: 'conn_probe', value: i, labels: { i: String(i) } }],
        }),
        fetch(`${replica.url}/metrics/job/conn${String(i)}`, {
          method: 'PUT',
          headers: ADMIN_AUTH,
          body: `conn_pushed ${String(i)}\n`,
        }),
        call(replica, 'GET', '/api/metrics/summary?metric=conn_probe'),
      );
    }
    const answers = (await Promise.all(work)) as { status: number }[];
    for (const answer of answers) assert.ok(answer.status < 300, `status ${String(answer.status)}`);

    const byPort = connectionsByRemotePort(replica.child.pid!);
    const activity = await pgActivity(database.name);
    const total = Object.values(activity).reduce((sum, n) => sum + n, 0);
    // + 1: the primary lease's lock session (ADR 0028), outside the pools, named after the lease holder.
    const limit = POOL_MAX + CLUSTER_POOL_MAX + 1;
    assert.ok(
      (byPort.get(5432) ?? 0) <= limit,
      `PostgreSQL connections of the replica: ${String(byPort.get(5432))} (at most ${String(limit)})`,
    );
    assert.ok(total <= limit, `pg_stat_activity: ${JSON.stringify(activity)}`);
    const lockSessions = Object.entries(activity).filter(([name]) =>
      name.startsWith('metrics-service lease '),
    );
    assert.deepEqual(
      lockSessions.map(([, n]) => n),
      [1],
      `one lock session: ${JSON.stringify(activity)}`,
    );
    assert.deepEqual(
      Object.keys(activity).filter((name) => !name.startsWith('metrics-service lease ')),
      ['metrics-service'],
      JSON.stringify(activity),
    );
    assert.equal(byPort.get(6379), 5, `Redis connections of the replica: ${String(byPort.get(6379))}`);
  });
});
