import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { PgLease } from '../../src/cluster/lease.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { WalTailer } from '../../src/cluster/wal-tailer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { NotPrimaryError } from '../../src/tsdb/not-primary.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { openTsdbReplica, type TsdbReplica as Replica } from './tsdb-replica.js';
import { eventually } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const T0 = Date.UTC(2026, 0, 1);
const log = pino({ level: 'silent' });
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** The newest value of each label set `s` of `name`, as this replica's readers see it. */
function values(replica: Replica, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of replica.tsdb.reader.labelSets(name, [])) out[set.labels.s ?? ''] = set.values[0]!;
  return out;
}

/** Tracks when each of a set of promises settled. */
function track<T>(promises: readonly Promise<T>[]): { settled: () => number; all: Promise<unknown> } {
  let settled = 0;
  const all = Promise.allSettled(
    promises.map((p) =>
      p.finally(() => {
        settled++;
      }),
    ),
  );
  return { settled: () => settled, all };
}

/** Group commit at the primary (ADR 0029), in process on the real PostgreSQL. */
describe('group commit of concurrent ingest requests on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  let admin: pg.Client;
  const replicas: Replica[] = [];
  const open = async (): Promise<Replica> => {
    const replica = await openTsdbReplica(database.url, T0 + 60_000);
    replicas.push(replica);
    return replica;
  };
  const counter = (replica: Replica, s: string, t: number) =>
    replica.ingest.ingest(
      [{ name: 'gc_total', type: 'counter', value: 1, labels: { s }, timestamp: t }],
      'custom',
    );
  const walRows = async (): Promise<number> =>
    (await admin.query<{ n: string }>('SELECT count(*) AS n FROM wal')).rows[0]!.n as unknown as number;

  before(async () => {
    database = await createTestDatabase('groupcommit');
    const db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
    await ensureClusterSchema(db.pool);
    await db.end();
    admin = new pg.Client({ connectionString: database.url });
    await admin.connect();
  });
  after(async () => {
    await admin.end();
    for (const r of replicas) await r.db.end();
    await database.drop();
  });

  it('concurrent requests share commits, are acknowledged only once durable, and replay exactly', async () => {
    const primary = await open();
    const follower = await open();
    const lease = new PgLease(primary.db.pool, 'primary', 'gc-a/1', 600_000);
    const held = await lease.acquire();
    assert.ok(held.held, 'A holds the lease');
    primary.store.fenceWrites('primary', held.epoch);
    follower.store.fenceWrites('primary', null);
    const tailer = new WalTailer(follower.tsdb, follower.store, log, 100);
    await tailer.start();
    await counter(primary, 'warm', T0);
    const rowsBefore = await walRows();

    // The write-ahead table locked: no commit can finish, so no request may be acknowledged or visible.
    await admin.query('BEGIN');
    await admin.query('LOCK TABLE wal IN EXCLUSIVE MODE');
    const requests = Array.from({ length: 40 }, (_, i) =>
      counter(primary, `s${String(i % 4)}`, T0 + 1000 + i),
    );
    const tracked = track(requests);
    await sleep(500);
    assert.equal(tracked.settled(), 0, 'nothing acknowledged before the commit is durable');
    assert.deepEqual(values(primary, 'gc_total'), { warm: 1 }, 'nothing visible before it is durable');
    await admin.query('COMMIT');
    const outcomes = await Promise.all(requests);
    for (const outcome of outcomes) assert.equal(outcome.accepted.length, 1);

    // 40 requests: the one in flight while the table was locked, then the 39 queued behind it, together.
    const written = (await walRows()) - rowsBefore;
    assert.ok(written <= 3, `40 requests in ${String(written)} write-ahead records`);
    const expected = { warm: 1, s0: 10, s1: 10, s2: 10, s3: 10 };
    assert.deepEqual(values(primary, 'gc_total'), expected);
    await eventually(() => {
      assert.deepEqual(values(follower, 'gc_total'), expected, 'the follower applied the groups');
    });
    await tailer.stop();
    // What was acknowledged is durable: a replica recovering from the store finds it all.
    const recovered = await open();
    assert.deepEqual(values(recovered, 'gc_total'), expected, 'recovered from the store');
  });

  it('a request refused by validation in a group does not take the others down', async () => {
    const primary = replicas[0]!;
    const requests = [
      counter(primary, 's0', T0 + 2000),
      // Older than the set's newest sample: refused per item, not written.
      counter(primary, 's1', T0 + 500),
      primary.ingest.ingest([{ name: 'gc_total', type: 'gauge', value: 1, labels: { s: 's2' } }], 'custom'),
      counter(primary, 's3', T0 + 2000),
      counter(primary, 'new', T0 + 2000),
    ];
    const [a, oldSample, wrongType, b, created] = await Promise.all(requests);
    assert.equal(a!.accepted.length, 1);
    assert.equal(oldSample!.rejected[0]?.code, 'out_of_order_sample');
    assert.equal(wrongType!.accepted.length, 0, 'a sample of the wrong type is refused');
    assert.equal(b!.accepted.length, 1);
    assert.equal(created!.accepted.length, 1);
    assert.deepEqual(values(primary, 'gc_total'), { warm: 1, s0: 11, s1: 10, s2: 10, s3: 11, new: 1 });
  });

  it('a group refused by the fence writes nothing, shows nothing, and later writes build on what was durable', async () => {
    const primary = replicas[0]!;
    const before = values(primary, 'gc_total');
    const rowsBefore = await walRows();
    // A takeover in flight: the lease row's epoch moves in a transaction still open, so the fenced commit
    // in flight waits for it and then finds its epoch deposed; those queued behind it are refused too.
    const { rows } = await admin.query<{ epoch: string }>(
      "SELECT epoch FROM cluster_leases WHERE name = 'primary'",
    );
    const oldEpoch = Number(rows[0]!.epoch);
    await admin.query('BEGIN');
    await admin.query("UPDATE cluster_leases SET epoch = epoch + 1 WHERE name = 'primary'");
    const requests = [
      counter(primary, 's0', T0 + 3000),
      counter(primary, 's0', T0 + 3001),
      counter(primary, 'born_in_a_refused_group', T0 + 3000),
      counter(primary, 's1', T0 + 3000),
    ];
    const tracked = track(requests);
    await sleep(300);
    assert.equal(tracked.settled(), 0, 'the commit waits for the takeover');
    await admin.query('COMMIT');
    for (const request of requests)
      await assert.rejects(request, (error: unknown) => {
        assert.ok(error instanceof NotPrimaryError, String(error));
        return true;
      });
    assert.equal(await walRows(), rowsBefore, 'nothing written');
    assert.deepEqual(values(primary, 'gc_total'), before, 'nothing of the refused group visible');

    // Fenced again at the new epoch: a counter continues from its last durable value.
    primary.store.fenceWrites('primary', oldEpoch + 1);
    const [s0, created] = await Promise.all([
      counter(primary, 's0', T0 + 4000),
      counter(primary, 'born_in_a_refused_group', T0 + 4000),
    ]);
    assert.equal(s0.accepted.length, 1);
    assert.equal(created.accepted.length, 1);
    const now = values(primary, 'gc_total');
    assert.equal(now.s0, before.s0! + 1);
    assert.equal(now.born_in_a_refused_group, 1);
    const recovered = await open();
    assert.deepEqual(values(recovered, 'gc_total'), now, 'the store holds what memory shows');
  });

  it('an append still staging on values of a write that then fails does not commit them', async () => {
    const primary = replicas[0]!;
    const before = values(primary, 'gc_total');
    const { rows } = await admin.query<{ epoch: string }>(
      "SELECT epoch FROM cluster_leases WHERE name = 'primary'",
    );
    const epoch = Number(rows[0]!.epoch);
    await admin.query('BEGIN');
    await admin.query("UPDATE cluster_leases SET epoch = epoch + 1 WHERE name = 'primary'");
    // A's write is in flight (waiting for the takeover); B stages on A's pending total, then waits.
    const a = counter(primary, 's0', T0 + 5000);
    // Expected to fail: handled from the start (it may fail while the takeover's COMMIT is answered).
    const aRefused = assert.rejects(a, NotPrimaryError);
    let resume: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      resume = resolve;
    });
    let seen = Number.NaN;
    const b = primary.tsdb.append(
      () => T0 + 60_000,
      1,
      async (app) => {
        const set = app.labelSet(app.family('gc_total')!, { s: 's0' })!;
        app.append(set, T0 + 5001, 1, (current, increment) => {
          seen = current;
          return current + increment;
        });
        await gate;
        return app.commit();
      },
    );
    await sleep(100);
    assert.equal(seen, before.s0! + 1, "B built on A's pending total");
    await admin.query('COMMIT');
    await aRefused;
    resume();
    await assert.rejects(b, /a write this append built on failed/);
    assert.deepEqual(values(primary, 'gc_total'), before, 'neither A nor B visible');
    primary.store.fenceWrites('primary', epoch + 1);
    await counter(primary, 's0', T0 + 6000);
    assert.equal(
      values(primary, 'gc_total').s0,
      before.s0! + 1,
      'the next write builds on the durable total',
    );
  });
});
