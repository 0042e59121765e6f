import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { HealthRollup, HealthStore, StoredHealthEvent } from '../../src/storage/ports.js';

export type HealthStoreFactory = () => Promise<HealthStore>;

const HOUR = 3_600_000;
const event = (serviceId: number, at: number, state = 'up', previous = 'unknown'): StoredHealthEvent => ({
  serviceId,
  at,
  state,
  previous,
  reasonCode: state === 'down' ? 'timeout' : null,
  reason: state === 'down' ? 'no answer in 5 s' : null,
});
const rollup = (serviceId: number, hour: number, checks = 10): HealthRollup => ({
  serviceId,
  hour,
  checks,
  up: checks - 1,
  degraded: 1,
  durationSumMs: 1234,
  durationMaxMs: 456,
  buckets: [1, 0, 3, 0, 0, 6],
});

/** The HealthStore contract every adapter passes (SQLite, PostgreSQL). */
export function healthStoreContract(fresh: HealthStoreFactory): void {
  it('saves services by name, keeping the id across updates, and lists them by name', async () => {
    const store = await fresh();
    const b = await store.saveService('b', '{"url":"http://b"}', 'api', 10);
    const a = await store.saveService('a', '{"url":"http://a"}', 'file', 20);
    assert.notEqual(a, b);
    assert.equal(await store.saveService('b', '{"url":"http://b2"}', 'file', 30), b);
    assert.deepEqual(await store.loadServices(), [
      { id: a, name: 'a', input: '{"url":"http://a"}', origin: 'file', createdAt: 20, updatedAt: 20 },
      { id: b, name: 'b', input: '{"url":"http://b2"}', origin: 'file', createdAt: 10, updatedAt: 30 },
    ]);
  });

  it('keeps events: latest per service, one service newest first since a time, up to a limit', async () => {
    const store = await fresh();
    await store.appendEvents([event(1, 100), event(1, 200, 'down', 'up'), event(2, 150)]);
    await store.appendEvents([event(1, 300, 'up', 'down')]);
    const latest = await store.latestEvents();
    assert.deepEqual(
      latest.sort((x, y) => x.serviceId - y.serviceId),
      [event(1, 300, 'up', 'down'), event(2, 150)],
    );
    assert.deepEqual(await store.events(1, 150, 10), [
      event(1, 300, 'up', 'down'),
      event(1, 200, 'down', 'up'),
    ]);
    assert.deepEqual(await store.events(1, 0, 1), [event(1, 300, 'up', 'down')]);
    await store.appendEvents([]);
  });

  it('replaces roll-ups of the same service and hour, and reads them by service, by hour and as totals', async () => {
    const store = await fresh();
    await store.saveRollups([rollup(1, 10), rollup(1, 11), rollup(2, 11, 4)]);
    await store.saveRollups([rollup(1, 11, 20)]);
    assert.deepEqual(await store.rollups(1, 11), [rollup(1, 11, 20)]);
    assert.deepEqual(await store.rollups(1, 0), [rollup(1, 10), rollup(1, 11, 20)]);
    assert.deepEqual(
      (await store.rollupsOfHour(11)).sort((x, y) => x.serviceId - y.serviceId),
      [rollup(1, 11, 20), rollup(2, 11, 4)],
    );
    const totals = await store.uptimeTotals(10);
    assert.deepEqual(totals.get(1), { checks: 30, up: 28 });
    assert.deepEqual(totals.get(2), { checks: 4, up: 3 });
    assert.equal((await store.uptimeTotals(12)).size, 0);
  });

  it('deletes old events and roll-ups of the given services only', async () => {
    const store = await fresh();
    await store.appendEvents([event(1, 1 * HOUR), event(1, 5 * HOUR), event(2, 1 * HOUR)]);
    await store.saveRollups([rollup(1, 1), rollup(1, 5), rollup(2, 1)]);
    assert.equal(await store.deleteHealthBefore([1], 3 * HOUR), 2);
    assert.deepEqual(await store.events(1, 0, 10), [event(1, 5 * HOUR)]);
    assert.deepEqual(await store.rollups(1, 0), [rollup(1, 5)]);
    assert.equal((await store.events(2, 0, 10)).length, 1);
    assert.equal(await store.deleteHealthBefore([], 3 * HOUR), 0);
  });

  it('deletes a service with its events and roll-ups', async () => {
    const store = await fresh();
    const id = await store.saveService('gone', '{}', 'api', 1);
    const kept = await store.saveService('kept', '{}', 'api', 1);
    await store.appendEvents([event(id, 1), event(kept, 1)]);
    await store.saveRollups([rollup(id, 1), rollup(kept, 1)]);
    await store.deleteService(id);
    assert.deepEqual(
      (await store.loadServices()).map((s) => s.name),
      ['kept'],
    );
    assert.deepEqual(await store.events(id, 0, 10), []);
    assert.deepEqual(await store.rollups(id, 0), []);
    assert.equal((await store.latestEvents()).length, 1);
  });
}
