import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HealthRollup, StoredHealthEvent } from '../../src/storage/ports.js';
import type { HealthStoreFactory } from './health-store-contract.js';

const event = (serviceId: number, at: number, state: string, previous: string): StoredHealthEvent => ({
  serviceId,
  at,
  state,
  previous,
  reasonCode: state === 'down' ? 'status_code' : null,
  reason: state === 'down' ? 'HTTP 503' : null,
});
const rollup = (serviceId: number, hour: number): HealthRollup => ({
  serviceId,
  hour,
  checks: 120,
  up: 118,
  degraded: 0,
  durationSumMs: 2400,
  durationMaxMs: 90,
  buckets: [0, 60, 60],
});

/** The history reads and the separate retentions the service page and the monthly report rely on. */
export function healthHistoryContract(fresh: HealthStoreFactory): void {
  it('reads roll-ups of an hour range, end excluded, oldest first, one service only', async () => {
    const store = await fresh();
    await store.saveRollups([rollup(1, 12), rollup(1, 10), rollup(1, 11), rollup(2, 11)]);
    assert.deepEqual(
      (await store.rollupsBetween(1, 10, 12)).map((r) => [r.serviceId, r.hour]),
      [
        [1, 10],
        [1, 11],
      ],
    );
    assert.deepEqual(await store.rollupsBetween(1, 13, 20), []);
  });

  it('reads events of a time range oldest first, up to a limit, and the last one before a time', async () => {
    const store = await fresh();
    await store.appendEvents([
      event(1, 100, 'up', 'unknown'),
      event(1, 200, 'down', 'up'),
      event(2, 250, 'down', 'up'),
      event(1, 300, 'up', 'down'),
      event(1, 400, 'down', 'up'),
    ]);
    assert.deepEqual(
      (await store.eventsBetween(1, 150, 400, 10)).map((e) => [e.at, e.state]),
      [
        [200, 'down'],
        [300, 'up'],
      ],
    );
    assert.equal((await store.eventsBetween(1, 0, 1000, 2)).length, 2);
    assert.deepEqual(await store.eventBefore(1, 200), event(1, 100, 'up', 'unknown'));
    assert.deepEqual(await store.eventBefore(1, 301), event(1, 300, 'up', 'down'));
    assert.equal(await store.eventBefore(1, 100), undefined);
  });

  it('prunes events and roll-ups on their own cutoffs, only of the services named', async () => {
    const store = await fresh();
    await store.appendEvents([event(1, 100, 'up', 'unknown'), event(1, 5000, 'down', 'up')]);
    await store.appendEvents([event(2, 100, 'up', 'unknown')]);
    await store.saveRollups([rollup(1, 1), rollup(1, 5), rollup(2, 1)]);
    assert.equal(await store.deleteEventsBefore([1], 1000), 1);
    assert.equal(await store.deleteRollupsBefore([1], 3), 1);
    assert.equal(await store.deleteEventsBefore([], 1000), 0);
    assert.deepEqual(
      (await store.eventsBetween(1, 0, 10_000, 10)).map((e) => e.at),
      [5000],
    );
    assert.equal((await store.eventsBetween(2, 0, 10_000, 10)).length, 1);
    assert.deepEqual(
      (await store.rollupsBetween(1, 0, 10)).map((r) => r.hour),
      [5],
    );
    assert.equal((await store.rollupsBetween(2, 0, 10)).length, 1);
  });
}
