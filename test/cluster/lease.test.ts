import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { pino } from 'pino';
import { FencedError, PgLease } from '../../src/cluster/lease.js';
import { LeaseKeeper } from '../../src/cluster/lease-keeper.js';
import { ensureClusterSchema } from '../../src/cluster/pg-cluster-schema.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createDatabase } from './pg-database.js';
import { eventually } from './replicas.js';

const TTL_MS = 1500;
const log = pino({ level: 'silent' });

describe('lease with epoch and fence on PostgreSQL', async () => {
  const skip = await skipUnlessServers([POSTGRES]);
  let db: Awaited<ReturnType<typeof createDatabase>>;
  let pool: pg.Pool;

  before(async () => {
    if (skip !== false) return;
    db = await createDatabase();
    pool = db.pool;
    // Twice at once: replicas starting together must not trip over each other.
    await Promise.all([ensureClusterSchema(pool), ensureClusterSchema(pool)]);
    await pool.query('CREATE TABLE writes (epoch bigint NOT NULL, note text NOT NULL)');
  });
  after(async () => {
    if (skip === false) await db.drop();
  });

  it('two contenders: one wins; renewing keeps the epoch', { skip }, async () => {
    const a = new PgLease(pool, 'contended', 'a/1', TTL_MS);
    const b = new PgLease(pool, 'contended', 'b/1', TTL_MS);
    const [first, second] = await Promise.all([a.acquire(), b.acquire()]);
    assert.equal([first, second].filter((s) => s.held).length, 1, 'exactly one holder');
    const winner = first.held ? a : b;
    const epoch = (first.held ? first : second) as { epoch: number };
    const renewed = await winner.acquire();
    assert.ok(renewed.held);
    assert.equal(renewed.epoch, epoch.epoch);
    assert.deepEqual(await winner.current(), { holder: winner.holder, epoch: epoch.epoch });
  });

  it(
    'the holder stops renewing: the other takes over within 2 × the lease with a higher epoch; the old epoch is fenced',
    { skip },
    async () => {
      let epochA: number | undefined;
      const a = new LeaseKeeper(new PgLease(pool, 'primary', 'a/2', TTL_MS), log, {
        acquired: (epoch) => (epochA = epoch),
      });
      const leaseB = new PgLease(pool, 'primary', 'b/2', TTL_MS);
      let epochB: number | undefined;
      let acquiredAt = 0;
      const b = new LeaseKeeper(leaseB, log, {
        acquired: (epoch) => {
          epochB = epoch;
          acquiredAt = performance.now();
        },
      });
      a.start();
      await eventually(() => {
        assert.ok(epochA !== undefined, 'A holds the lease');
      });
      b.start();
      await new Promise((resolve) => setTimeout(resolve, TTL_MS));
      assert.equal(epochB, undefined, 'B waits while A renews');
      const oldEpoch = epochA!;
      const leaseA = new PgLease(pool, 'primary', 'a/2', TTL_MS);
      await leaseA.fenced(oldEpoch, (client) =>
        client.query('INSERT INTO writes VALUES ($1, $2)', [oldEpoch, 'while primary']),
      );

      // A is killed: it stops renewing and never releases.
      const killedAt = performance.now();
      await a.stop(false);
      await eventually(() => {
        assert.ok(epochB !== undefined, 'B took over');
      }, 4 * TTL_MS);
      assert.ok(
        acquiredAt - killedAt <= 2 * TTL_MS,
        `took over in ${String(Math.round(acquiredAt - killedAt))} ms`,
      );
      assert.ok(epochB! > oldEpoch, 'a new holder bumps the epoch');
      assert.equal(b.heldEpoch, epochB);

      await assert.rejects(
        leaseA.fenced(oldEpoch, (client) =>
          client.query('INSERT INTO writes VALUES ($1, $2)', [oldEpoch, 'after deposed']),
        ),
        (error: unknown) => error instanceof FencedError && error.epoch === oldEpoch,
      );
      await leaseB.fenced(epochB!, (client) =>
        client.query('INSERT INTO writes VALUES ($1, $2)', [epochB, 'new primary']),
      );
      const { rows } = await pool.query<{ note: string }>('SELECT note FROM writes ORDER BY note');
      assert.deepEqual(
        rows.map((r) => r.note),
        ['new primary', 'while primary'],
      );
      // A deposed holder cannot renew its way back either.
      assert.deepEqual(await leaseA.acquire(), { held: false });
      await b.stop(true);
      // Released: the next contender gets it at once, with a higher epoch again.
      const c = await new PgLease(pool, 'primary', 'c/1', TTL_MS).acquire();
      assert.ok(c.held && c.epoch > epochB!);
    },
  );

  it(
    'a takeover waits for a fenced transaction in flight: it commits under the old epoch, never after',
    { skip },
    async () => {
      const a = new PgLease(pool, 'inflight', 'a/3', 300);
      const b = new PgLease(pool, 'inflight', 'b/3', 300);
      const held = await a.acquire();
      assert.ok(held.held);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      const write = a.fenced(held.epoch, async (client) => {
        await gate;
        await client.query('INSERT INTO writes VALUES ($1, $2)', [held.epoch, 'in flight']);
      });
      await new Promise((resolve) => setTimeout(resolve, 400)); // A's lease expires meanwhile
      const takeover = b.acquire();
      await new Promise((resolve) => setTimeout(resolve, 100));
      release();
      await write;
      const taken = await takeover;
      assert.ok(taken.held && taken.epoch > held.epoch);
    },
  );
});
