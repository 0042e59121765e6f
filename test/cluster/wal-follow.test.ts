import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PgLease } from '../../src/cluster/lease.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { reloadConsistently, WalTailer } from '../../src/cluster/wal-tailer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { PgMetricStore } from '../../src/storage/postgres/pg-metric-store.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { NotPrimaryError } from '../../src/tsdb/not-primary.js';
import { Tsdb } from '../../src/tsdb/tsdb.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { openTsdbReplica, type TsdbReplica as Replica } from './tsdb-replica.js';
import { eventually } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const T0 = Date.UTC(2026, 0, 1);
const log = pino({ level: 'silent' });
/** The newest value of each label set `s` of `name`, as this replica's readers see it. */
function values(replica: Replica, name: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of replica.tsdb.reader.labelSets(name, [])) out[set.labels.s ?? ''] = set.values[0]!;
  return out;
}

/** The primary's fenced writes and a follower's tail, in process on the real PostgreSQL (ADR 0020). */
describe('fenced write-ahead log and its tail on PostgreSQL', { skip: SKIP }, () => {
  let database: TestDatabase;
  const replicas: Replica[] = [];
  const open = async (): Promise<Replica> => {
    const replica = await openTsdbReplica(database.url, T0 + 60_000);
    replicas.push(replica);
    return replica;
  };
  const write = (replica: Replica, name: string, s: string, value: number, t: number) =>
    replica.ingest.ingest([{ name, value, labels: { s }, timestamp: t }], 'custom');

  before(async () => {
    database = await createTestDatabase('walfollow');
    const db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
    await ensureClusterSchema(db.pool);
    await db.end();
  });
  after(async () => {
    for (const r of replicas) await r.db.end();
    await database.drop();
  });

  it('a follower tails the primary in commit order; a deposed epoch writes nothing (503)', async () => {
    const primary = await open();
    const follower = await open();
    const lease = new PgLease(primary.db.pool, 'primary', 'a/1', 1000);
    const held = await lease.acquire();
    assert.ok(held.held, 'A holds the lease');
    primary.store.fenceWrites('primary', held.epoch);
    follower.store.fenceWrites('primary', null);
    const tailer = new WalTailer(follower.tsdb, follower.store, log, 100);
    await tailer.start();
    for (let i = 0; i < 20; i++) await write(primary, 'fw_gauge', `s${String(i % 4)}`, i, T0 + i * 1000);
    await eventually(() => {
      assert.deepEqual(
        values(follower, 'fw_gauge'),
        { s0: 16, s1: 17, s2: 18, s3: 19 },
        'follower caught up',
      );
    });
    // A follower's own write is refused before any round trip.
    await assert.rejects(write(follower, 'fw_gauge', 's0', 99, T0 + 30_000), NotPrimaryError);

    // B takes over after A's lease expired: A's epoch is fenced in the database.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const taken = await new PgLease(follower.db.pool, 'primary', 'b/1', 1000).acquire();
    assert.ok(taken.held && taken.epoch > held.epoch, 'B holds a newer epoch');
    await assert.rejects(write(primary, 'fw_gauge', 's0', 100, T0 + 40_000), (error: unknown) => {
      assert.ok(error instanceof NotPrimaryError, String(error));
      assert.equal(error.status, 503);
      return true;
    });
    await assert.rejects(primary.tsdb.checkpoint(), NotPrimaryError);
    const { rows } = await primary.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM wal WHERE epoch = $1 AND data IS NOT NULL',
      [held.epoch],
    );
    assert.equal(rows[0]!.n, 20, 'every row of the old epoch is one it acknowledged, none after');
    // The new primary reads the log to its end, then writes under its epoch.
    await tailer.stop();
    await tailer.catchUp();
    follower.store.fenceWrites('primary', taken.epoch);
    await write(follower, 'fw_gauge', 's0', 200, T0 + 50_000);
    assert.equal(values(follower, 'fw_gauge').s0, 200);
  });

  it('a follower behind a truncation reloads from chunks and misses nothing', async () => {
    const writerLease = await new PgLease(replicas[1]!.db.pool, 'primary', 'b/1', 60_000).acquire();
    assert.ok(writerLease.held, 'B still holds the lease');
    const writer = replicas[1]!;
    const lagging = await open();
    lagging.store.fenceWrites('primary', null);
    const tailer = new WalTailer(lagging.tsdb, lagging.store, log, 60_000);
    await tailer.catchUp();
    const position = lagging.tsdb.walPosition;
    for (let i = 0; i < 10; i++) await write(writer, 'fw_late', `s${String(i % 2)}`, i, T0 + i * 1000);
    // Two checkpoints: the second truncates up to the first's mark (one checkpoint late), past `position`.
    await writer.tsdb.checkpoint();
    await write(writer, 'fw_late', 's0', 10, T0 + 10_000);
    const second = await writer.tsdb.checkpoint();
    assert.ok(second.walTruncatedTo > position, 'the log was truncated past the lagging follower');
    await write(writer, 'fw_late', 's1', 11, T0 + 11_000);
    await tailer.catchUp();
    assert.deepEqual(values(lagging, 'fw_late'), { s0: 10, s1: 11 });
    assert.equal(values(lagging, 'fw_gauge').s0, 200, 'older data came back from chunks');
    assert.ok(lagging.tsdb.walPosition > second.walTruncatedTo);
  });

  it('a deposed primary follows again after reloading its head; a reload the database refuses is retried', async () => {
    // A (deposed in the first test) still holds its own commits in its head, at ids it never tracked.
    const deposed = replicas[0]!;
    let refusals = 2;
    // The database refuses the first reads (a hiccup at the moment of demotion), then answers.
    const flaky = new Proxy(deposed.store, {
      get(target, property, receiver) {
        if (property !== 'readWalTail') return Reflect.get(target, property, receiver) as unknown;
        return (...args: Parameters<typeof target.readWalTail>) => {
          if (refusals > 0) {
            refusals--;
            return Promise.reject(new Error('connection terminated'));
          }
          return target.readWalTail(...args);
        };
      },
    });
    const tailer = new WalTailer(deposed.tsdb, flaky, log, 50);
    await tailer.start({ reloadFirst: true });
    try {
      await eventually(() => {
        assert.deepEqual(values(deposed, 'fw_late'), { s0: 10, s1: 11 }, 'caught up with B');
        assert.equal(values(deposed, 'fw_gauge').s0, 200, "and shows B's write over its own");
      });
      assert.equal(refusals, 0, 'the refused reads were retried');
    } finally {
      await tailer.stop();
    }
  });

  it('a replica starting while the primary checkpoints twice during its recovery misses nothing', async () => {
    const writer = replicas[1]!; // B, still holding the lease taken in the second test
    await write(writer, 'fw_start', 's0', 0, T0 + 100_000);
    await writer.tsdb.checkpoint();
    await writer.tsdb.checkpoint();
    const db = new PgDatabase({ url: database.url, max: 4 });
    const store = new PgMetricStore(db);
    store.fenceWrites('primary', null);
    let raced = false;
    // Between the starting replica's chunk load and its log reads, B writes and checkpoints twice: the
    // second truncation removes the record of the first write, which the loaded chunks do not hold.
    const racing = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'loadLatestChunks') return Reflect.get(target, property, receiver) as unknown;
        return async () => {
          const chunks = await target.loadLatestChunks();
          if (!raced) {
            raced = true;
            await write(writer, 'fw_start', 's0', 1, T0 + 101_000);
            await writer.tsdb.checkpoint();
            await write(writer, 'fw_start', 's0', 2, T0 + 102_000);
            await writer.tsdb.checkpoint();
          }
          return chunks;
        };
      },
    });
    const tsdb = new Tsdb(racing, { truncateOneCheckpointLate: true });
    try {
      await reloadConsistently(tsdb, racing);
      assert.ok(raced, 'the checkpoints ran during the recovery');
      const [series] = await tsdb.reader.select(
        [{ label: '__name__', op: '=', value: 'fw_start' }],
        T0 + 100_000,
        T0 + 102_000,
      );
      assert.deepEqual([...(series?.samples.v ?? [])], [0, 1, 2], 'every committed sample, in order');
      assert.equal(tsdb.walPosition >= (await store.readWalTail(0, 0)).truncatedTo, true);
    } finally {
      await db.end();
    }
  });

  it('a replica starting while the primary creates a series during its recovery loads it and its samples', async () => {
    const writer = replicas[1]!;
    const db = new PgDatabase({ url: database.url, max: 4 });
    const store = new PgMetricStore(db);
    store.fenceWrites('primary', null);
    let raced = false;
    // After the starting replica read the series rows, B creates a series: its row and its first record
    // commit together, so the replica meets an id it has no row for in the log it replays.
    const racing = new Proxy(store, {
      get(target, property, receiver) {
        if (property !== 'loadSeries') return Reflect.get(target, property, receiver) as unknown;
        return async () => {
          const rows = await target.loadSeries();
          if (!raced) {
            raced = true;
            await write(writer, 'fw_created', 's0', 7, T0 + 110_000);
          }
          return rows;
        };
      },
    });
    const tsdb = new Tsdb(racing, { truncateOneCheckpointLate: true });
    try {
      await reloadConsistently(tsdb, racing);
      assert.ok(raced, 'the series was created during the recovery');
      const [series] = await tsdb.reader.select(
        [{ label: '__name__', op: '=', value: 'fw_created' }],
        T0 + 100_000,
        T0 + 120_000,
      );
      assert.deepEqual([...(series?.samples.v ?? [])], [7], 'the new series and its sample');
    } finally {
      await db.end();
    }
  });
});
