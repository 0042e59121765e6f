import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PgLease } from '../../src/cluster/lease.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { WalTailer } from '../../src/cluster/wal-tailer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { POSTGRES, REDIS, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { ADMIN_AUTH } from '../support/test-app.js';
import { call, roleOf, startReplica, type ReplicaProcess } from './processes.js';
import { dropRedisPrefix, eventually, REDIS_URL, redisPrefix } from './replicas.js';
import { openTsdbReplica, type TsdbReplica as Replica } from './tsdb-replica.js';

const SKIP = await skipUnlessServers([POSTGRES, REDIS]);
const log = pino({ level: 'silent' });
const NOW = Date.UTC(2026, 0, 2);
/** The label `s` of every label set of `name` this replica's readers see. */
function setsOf(replica: Replica, name: string): string[] {
  return replica.tsdb.reader
    .labelSets(name, [])
    .map((set) => set.labels.s ?? '')
    .sort();
}

/**
 * ADR 0027: a series deletion on the primary (retention, a deleted health service's or Pushgateway
 * group's series) is a write-ahead record committed with it, so followers drop the label sets in
 * commit order, and an id the log still names is never handed out again.
 */
describe('series deletions reach followers through the write-ahead log', { skip: SKIP }, () => {
  let database: TestDatabase;
  const replicas: Replica[] = [];
  const open = async (): Promise<Replica> => {
    const replica = await openTsdbReplica(database.url, NOW);
    replicas.push(replica);
    return replica;
  };
  const write = (replica: Replica, name: string, s: string, t: number) =>
    replica.ingest.ingest([{ name, value: 1, labels: { s }, timestamp: t }], 'custom');

  before(async () => {
    database = await createTestDatabase('deletions');
    const db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
    await ensureClusterSchema(db.pool);
    await db.end();
  });
  after(async () => {
    for (const r of replicas) await r.db.end();
    await database.drop();
  });

  it('retention and deleteLabelSets on the primary remove the sets on a follower; ids are not reused', async () => {
    const primary = await open();
    const follower = await open();
    const lease = await new PgLease(primary.db.pool, 'primary', 'a/1', 60_000).acquire();
    assert.ok(lease.held, 'A holds the lease');
    primary.store.fenceWrites('primary', lease.epoch);
    follower.store.fenceWrites('primary', null);
    const tailer = new WalTailer(follower.tsdb, follower.store, log, 50);

    await write(primary, 'del_old', 'stale', NOW - 10 * 3_600_000);
    await write(primary, 'del_old', 'fresh', NOW - 60_000);
    await write(primary, 'del_svc', 'a', NOW - 60_000);
    await write(primary, 'del_svc', 'b', NOW - 60_000);
    await write(primary, 'del_new', 'last', NOW - 30_000);
    await tailer.catchUp();
    assert.deepEqual(setsOf(follower, 'del_old'), ['fresh', 'stale']);
    const lastId = follower.tsdb.reader.labelSets('del_new', [])[0]!.ids[0]!;

    // Retention (1 h) expires one set; a deleted service's sets go by label; the newest series goes too.
    const expired = await primary.tsdb.retention(3_600_000, () => NOW).run();
    assert.equal(expired.sets, 1);
    await primary.tsdb.deleteLabelSets(['del_svc'], (labels) => labels.s === 'a');
    const newest = primary.tsdb.reader.labelSets('del_new', [])[0]!;
    await primary.tsdb.deleteLabelSet(newest);
    await tailer.catchUp();
    assert.deepEqual(setsOf(follower, 'del_old'), ['fresh'], 'expired set gone on the follower');
    assert.deepEqual(setsOf(follower, 'del_svc'), ['b'], 'deleted set gone on the follower');
    assert.equal(follower.tsdb.reader.family('del_new'), undefined, 'family of its last set gone');
    const range = await follower.tsdb.reader.select(
      [{ label: '__name__', op: '=', value: 'del_svc' }],
      NOW - 3_600_000,
      NOW,
    );
    assert.deepEqual(
      range.map((s) => s.labels.s),
      ['b'],
      'range reads skip the deleted set',
    );

    // A primary restarted before the log is truncated replays the deletion and does not reuse the id.
    const restarted = await open();
    restarted.store.fenceWrites('primary', lease.epoch);
    assert.deepEqual(setsOf(restarted, 'del_old'), ['fresh'], 'recovery agrees');
    await write(restarted, 'del_again', 'x', NOW);
    const reused = restarted.tsdb.reader.labelSets('del_again', [])[0]!.ids[0]!;
    assert.ok(reused > lastId, `new series id ${String(reused)} above the deleted ${String(lastId)}`);
    await tailer.catchUp();
    assert.deepEqual(setsOf(follower, 'del_again'), ['x'], 'the follower loads the new series');
    // Deleted and re-created under the same labels, read by the follower in one step: the new set stays.
    await tailer.catchUp();
    const before = restarted.tsdb.reader.labelSets('del_again', [])[0]!;
    await restarted.tsdb.deleteLabelSet(before);
    await write(restarted, 'del_again', 'x', NOW + 1000);
    await write(restarted, 'del_again', 'y', NOW + 1000);
    await tailer.catchUp();
    assert.deepEqual(setsOf(follower, 'del_again'), ['x', 'y'], 're-created set kept');
    const recreated = follower.tsdb.reader.labelSets('del_again', [{ label: 's', op: '=', value: 'x' }]);
    assert.ok(recreated[0]!.ids[0]! > before.ids[0]!, 'under its new id');
    assert.equal(recreated[0]!.values[0], 1);
    // A follower that reloads from chunks (after truncation) agrees as well.
    await primary.tsdb.checkpoint();
    await primary.tsdb.checkpoint();
    const reloaded = await open();
    assert.deepEqual(setsOf(reloaded, 'del_svc'), ['b']);
    assert.equal(reloaded.tsdb.reader.family('del_new'), undefined);
  });
});

/** Two service processes: a Pushgateway group deleted through the follower leaves both. */
describe('a Pushgateway group deleted on a cluster leaves the follower', { skip: SKIP }, () => {
  let database: TestDatabase;
  const prefix = redisPrefix();
  const processes: ReplicaProcess[] = [];
  const env = (): Record<string, string> => ({
    DATABASE_URL: database.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    CLUSTER_LEASE_TTL: '1500',
    CHECKPOINT_INTERVAL_MS: '1000',
  });
  const exposition = async (replica: ReplicaProcess): Promise<string> => {
    const r = await call(replica, 'GET', '/metrics');
    assert.equal(r.status, 200, r.text);
    return r.text;
  };
  const push = async (replica: ReplicaProcess, method: string, path: string, body?: string) => {
    const r = await fetch(`${replica.url}${path}`, {
      method,
      headers: { ...ADMIN_AUTH, 'content-type': 'text/plain; version=0.0.4' },
      body,
      signal: AbortSignal.timeout(15_000),
    });
    return { status: r.status, text: await r.text() };
  };

  before(async () => {
    database = await createTestDatabase('deletions2');
    processes.push(await startReplica('d0', env()));
    processes.push(await startReplica('d1', env()));
  });
  after(async () => {
    for (const r of processes) if (r.child.exitCode === null) r.child.kill('SIGKILL');
    await Promise.all(processes.map((r) => r.exited));
    await database.drop();
    await dropRedisPrefix(prefix);
  });

  it('push, then delete the group through the follower: gone from its /metrics and queries', async () => {
    await eventually(async () => {
      const roles = await Promise.all(processes.map(roleOf));
      assert.deepEqual(roles.slice().sort(), ['follower', 'primary'], `roles ${roles.join(',')}`);
    }, 10_000);
    const roles = await Promise.all(processes.map(roleOf));
    const primary = processes[roles.indexOf('primary')]!;
    const follower = processes[roles.indexOf('follower')]!;
    let r = await push(primary, 'PUT', '/metrics/job/del_job', 'del_pushed{k="1"} 5\ndel_pushed{k="2"} 6\n');
    assert.equal(r.status, 200, r.text);
    r = await push(primary, 'PUT', '/metrics/job/keep_job', 'del_kept 7\n');
    assert.equal(r.status, 200, r.text);
    await eventually(async () => {
      const text = await exposition(follower);
      assert.ok(text.includes('del_pushed{'), 'pushed group on the follower');
      assert.ok(text.includes('del_kept'), 'other group on the follower');
    }, 5000);

    r = await push(follower, 'DELETE', '/metrics/job/del_job');
    assert.equal(r.status, 202, r.text);
    for (const replica of [primary, follower])
      await eventually(async () => {
        const text = await exposition(replica);
        assert.ok(!text.includes('del_pushed'), `${replica.name}: deleted group gone from /metrics`);
        assert.ok(text.includes('del_kept'), `${replica.name}: other group kept`);
        const list = await call(replica, 'GET', '/api/metrics/summary?name=del_pushed');
        assert.equal(list.status, 200, list.text);
        assert.equal((JSON.parse(list.text) as { families: number }).families, 0, `${replica.name}: listed`);
      }, 5000);
    // The follower's memory agrees with what it reloads from the store (a fresh replica).
    const fresh = await startReplica('d2', env());
    processes.push(fresh);
    const text = await exposition(fresh);
    assert.ok(!text.includes('del_pushed') && text.includes('del_kept'), 'a fresh replica agrees');
  });
});
