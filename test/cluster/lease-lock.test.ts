import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { pino } from 'pino';
import { FencedError, lockSessionName, PgLease } from '../../src/cluster/lease.js';
import { LockedLease } from '../../src/cluster/locked-lease.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createDatabase } from './pg-database.js';
import { eventually } from './replicas.js';

/** The default lease TTL: every takeover below within a fraction of it came through the lock. */
const TTL_MS = 10_000;
const POLL_MS = 100;
const log = pino({ level: 'silent' });

/**
 * The lease row with a session advisory lock beside it (ADR 0028) on a real PostgreSQL: the lock frees the
 * moment its session ends, so a contender takes over long before the row expires; a live holder without
 * the lock is not deposed; a holder whose lock session is terminated gives the lease up.
 */
describe('lease with a session advisory lock on PostgreSQL', async () => {
  const skip = await skipUnlessServers([POSTGRES]);
  let db: Awaited<ReturnType<typeof createDatabase>>;
  const started: LockedLease[] = [];
  let lockKey = 1000;

  const connectLock = async (applicationName: string): Promise<pg.Client> => {
    const client = new pg.Client({ connectionString: db.url, application_name: applicationName });
    await client.connect();
    return client;
  };
  /** A contender for lease `name`, with its events recorded. */
  const contender = (name: string, holder: string, key: string) => {
    const acquired: { epoch: number; at: number }[] = [];
    const lost: number[] = [];
    const lease = new LockedLease({
      pool: db.pool,
      name,
      holder,
      ttlMs: TTL_MS,
      lockKey: key,
      connectLock,
      lockPollMs: POLL_MS,
      log,
      events: {
        acquired: (epoch) => acquired.push({ epoch, at: performance.now() }),
        lost: (epoch) => lost.push(epoch),
      },
    });
    started.push(lease);
    return { lease, acquired, lost, fence: new PgLease(db.pool, name, holder, TTL_MS) };
  };
  const write = (fence: PgLease, epoch: number, note: string) =>
    fence.fenced(epoch, (client) => client.query('INSERT INTO writes VALUES ($1, $2)', [epoch, note]));

  before(async () => {
    if (skip !== false) return;
    db = await createDatabase();
    await ensureClusterSchema(db.pool);
    await db.pool.query('CREATE TABLE writes (epoch bigint NOT NULL, note text NOT NULL)');
  });
  after(async () => {
    if (skip !== false) return;
    for (const lease of started) await lease.stop(false);
    await db.drop();
  });

  it(
    'the holder is killed (its session ends): the other takes over within a poll, at a higher epoch; the old one is fenced',
    { skip },
    async () => {
      const key = String(lockKey++);
      const a = contender('killed', 'a/kill0001', key);
      const b = contender('killed', 'b/kill0002', key);
      a.lease.start();
      await eventually(() => {
        assert.ok(a.lease.heldEpoch !== undefined && a.lease.lockHeld, 'A holds the lease and the lock');
      });
      b.lease.start();
      await new Promise((resolve) => setTimeout(resolve, 5 * POLL_MS));
      assert.equal(b.lease.heldEpoch, undefined, 'B waits while A holds the lock');
      const oldEpoch = a.lease.heldEpoch!;
      await write(a.fence, oldEpoch, 'before');

      // What kill -9 leaves: no release, the row still valid for ~10 s, the lock's session closed.
      const killedAt = performance.now();
      await a.lease.stop(false);
      await eventually(() => {
        assert.equal(b.acquired.length, 1, 'B took over');
      }, TTL_MS / 2);
      const tookMs = b.acquired[0]!.at - killedAt;
      // The lock's session ends with the process: B takes over at its next 100 ms poll, not at the row's
      // expiry (10 s); 4 s leaves room for a loaded host and for PostgreSQL noticing the closed session.
      assert.ok(tookMs < 4000, `took over in ${String(Math.round(tookMs))} ms, not by the row's expiry`);
      assert.ok(b.acquired[0]!.epoch > oldEpoch, 'a takeover bumps the epoch');
      await assert.rejects(
        write(a.fence, oldEpoch, 'after'),
        (error: unknown) => error instanceof FencedError,
        'the old epoch is fenced',
      );
      await eventually(() => {
        assert.ok(b.lease.lockHeld, 'the new holder keeps the lock');
      });
    },
  );

  it(
    'the holder lives but its lock session is terminated: it gives the lease up; one new epoch, the old fenced',
    { skip },
    async () => {
      const key = String(lockKey++);
      const a = contender('terminated', 'a/term0001', key);
      const b = contender('terminated', 'b/term0002', key);
      a.lease.start();
      await eventually(() => {
        assert.ok(a.lease.heldEpoch !== undefined && a.lease.lockHeld, 'A holds the lease and the lock');
      });
      b.lease.start();
      const oldEpoch = a.lease.heldEpoch!;
      const { rows } = await db.pool.query<{ ended: boolean }>(
        'SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1',
        [lockSessionName('a/term0001')],
      );
      assert.deepEqual(
        rows.map((r) => r.ended),
        [true],
        "A's lock session terminated",
      );
      await eventually(() => {
        assert.deepEqual(a.lost, [oldEpoch], 'A gave the lease up');
        const holders = [a, b].filter((c) => c.lease.heldEpoch !== undefined);
        assert.equal(holders.length, 1, 'one holder again');
        assert.ok(holders[0]!.lease.heldEpoch! > oldEpoch, 'at a new epoch');
        assert.ok(holders[0]!.lease.lockHeld, 'with the lock');
      }, 3000);
      await assert.rejects(
        write(a.fence, oldEpoch, 'after terminate'),
        (error: unknown) => error instanceof FencedError,
        'the old epoch is fenced',
      );
    },
  );

  it(
    'a holder that won by expiry while a paused one kept the lock is not deposed when the lock frees',
    { skip },
    async () => {
      const key = String(lockKey++);
      // The paused old primary: its session holds the lock, its row has expired.
      const paused = await connectLock('paused');
      await paused.query('SELECT pg_advisory_lock($1::bigint)', [key]);
      const a = contender('paused', 'a/paus0001', key);
      a.lease.start();
      await eventually(() => {
        assert.ok(a.lease.heldEpoch !== undefined, 'A won the row');
      });
      assert.equal(a.lease.lockHeld, false, 'without the lock');
      const epoch = a.lease.heldEpoch!;
      const b = contender('paused', 'b/paus0002', key);
      b.lease.start();
      await new Promise((resolve) => setTimeout(resolve, 3 * POLL_MS));
      await paused.end(); // SIGCONT: the old primary notices and lets go (or dies)
      await eventually(() => {
        assert.ok(a.lease.lockHeld, 'A got the lock');
      }, 3000);
      await new Promise((resolve) => setTimeout(resolve, 5 * POLL_MS));
      assert.equal(a.lease.heldEpoch, epoch, 'A still holds the lease at its epoch');
      assert.deepEqual(b.acquired, [], 'B never took it');
      assert.deepEqual(a.lost, [], 'A never lost it');
    },
  );
});
