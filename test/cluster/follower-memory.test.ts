import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { PgLease } from '../../src/cluster/lease.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { WalTailer } from '../../src/cluster/wal-tailer.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { CHUNK_MAX_SAMPLES } from '../../src/tsdb/series-head.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { openTsdbReplica, type TsdbReplica as Replica } from './tsdb-replica.js';
import { eventually } from './replicas.js';

const SKIP = await skipUnlessServers([POSTGRES]);
const T0 = Date.UTC(2026, 0, 1);
const log = pino({ level: 'silent' });
const SERIES = 5;
const PER_ROUND = 300; // samples per series between two checkpoints: more than a chunk holds
const ROUNDS = 8;
/** Every series of `name` read over [from, to] through the read port, as plain arrays keyed by labels. */
async function rangeOf(replica: Replica, name: string, from: number, to: number): Promise<unknown> {
  const series = await replica.tsdb.reader.select([{ label: '__name__', op: '=', value: name }], from, to);
  return Object.fromEntries(
    series.map((s) => [JSON.stringify(s.labels), { t: [...s.samples.t], v: [...s.samples.v] }]),
  );
}

/**
 * ADR 0027: a follower drops the sealed chunks the primary's checkpoints wrote when the truncation
 * horizon passes the records that sealed them, so its memory tracks the primary's, and its reads then
 * come from the stored chunks, identical to the primary's.
 */
describe('a follower keeps its memory bounded over checkpoints', { skip: SKIP }, () => {
  let database: TestDatabase;
  const replicas: Replica[] = [];
  const open = async (): Promise<Replica> => {
    const replica = await openTsdbReplica(database.url, T0 + 86_400_000);
    replicas.push(replica);
    return replica;
  };

  before(async () => {
    database = await createTestDatabase('followermem');
    const db = new PgDatabase({ url: database.url, max: 2 });
    await migratePostgres(db);
    await ensureClusterSchema(db.pool);
    await db.end();
  });
  after(async () => {
    for (const r of replicas) await r.db.end();
    await database.drop();
  });

  it('under continuous ingest its head sample count stays bounded and range reads match the primary', async (t) => {
    const primary = await open();
    const follower = await open();
    const lease = await new PgLease(primary.db.pool, 'primary', 'a/1', 60_000).acquire();
    assert.ok(lease.held, 'A holds the lease');
    primary.store.fenceWrites('primary', lease.epoch);
    follower.store.fenceWrites('primary', null);
    const tailer = new WalTailer(follower.tsdb, follower.store, log, 50);
    await tailer.start();
    try {
      let i = 0;
      const followerPeaks: number[] = [];
      const primaryPeaks: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Batches of 50 timestamps × SERIES series, values that need more than one chunk encoding.
        for (let end = i + PER_ROUND; i < end; i += 50) {
          const batch = [];
          for (let k = i; k < i + 50; k++)
            for (let s = 0; s < SERIES; s++)
              batch.push({
                name: 'fm_gauge',
                value: k % 7 === 0 ? k / 3 : k,
                labels: { s: `s${String(s)}` },
                timestamp: T0 + k * 1000,
              });
          const outcome = await primary.ingest.ingest(batch, 'custom');
          assert.equal(outcome.rejected.length, 0, JSON.stringify(outcome.rejected[0]));
        }
        await primary.tsdb.checkpoint();
        // The follower has applied everything and seen the horizon that checkpoint moved.
        const high = await primary.store.walHighWater();
        const horizon = (await follower.store.readWalTail(0, 0)).truncatedTo;
        await eventually(async () => {
          await tailer.catchUp();
          assert.ok(
            follower.tsdb.walPosition >= high,
            `follower at ${String(follower.tsdb.walPosition)} < ${String(high)}`,
          );
        });
        await tailer.catchUp();
        assert.ok(horizon <= follower.tsdb.walPosition, 'horizon behind the follower (no reload)');
        followerPeaks.push(follower.tsdb.headSamples);
        primaryPeaks.push(primary.tsdb.headSamples);
      }
      const total = SERIES * PER_ROUND * ROUNDS;
      t.diagnostic(
        `head samples after each checkpoint, follower ${followerPeaks.join(',')}; primary ${primaryPeaks.join(',')}; ingested ${String(total)}`,
      );
      // The primary keeps each series' open chunk; the follower at most one checkpoint interval more
      // (the horizon is one checkpoint late) plus the sealed chunk in between.
      const bound = SERIES * (CHUNK_MAX_SAMPLES + 2 * PER_ROUND);
      for (const [round, n] of followerPeaks.entries())
        assert.ok(
          n <= bound,
          `round ${String(round)}: follower holds ${String(n)} samples > ${String(bound)} (of ${String(total)})`,
        );
      assert.ok(
        followerPeaks[ROUNDS - 1]! <= followerPeaks[1]! + SERIES * CHUNK_MAX_SAMPLES,
        `no growth from round 2 on: ${followerPeaks.join(',')}`,
      );
      assert.ok(
        primaryPeaks[ROUNDS - 1]! <= SERIES * (CHUNK_MAX_SAMPLES + 1),
        `primary: ${primaryPeaks.join(',')}`,
      );

      // Every range over the whole period reads the same on both (the follower's from chunks now).
      const last = T0 + (i - 1) * 1000;
      for (const [from, to] of [
        [T0, last],
        [T0 - 60_000, T0 + 500_000],
        [T0 + 239_500, T0 + 241_500],
        [T0 + 1_000_000, last + 60_000],
        [last - 30_000, last],
      ] as const) {
        const expected = await rangeOf(primary, 'fm_gauge', from, to);
        assert.deepEqual(
          await rangeOf(follower, 'fm_gauge', from, to),
          expected,
          `range ${String(from - T0)}..${String(to - T0)}`,
        );
      }
      const whole = (await rangeOf(follower, 'fm_gauge', T0, last)) as Record<string, { t: number[] }>;
      for (const series of Object.values(whole)) assert.equal(series.t.length, i, 'every sample read back');
    } finally {
      await tailer.stop();
    }
  });
});
