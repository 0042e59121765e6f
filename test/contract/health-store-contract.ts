import assert from 'node:assert/strict';
import { it } from 'node:test';
import type {
  HealthFlush,
  HealthRollup,
  HealthStore,
  StoredHealthEvent,
  StoredHealthState,
} from '../../src/storage/ports.js';

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

const state = (serviceId: number, checkedAt: number, failures = 0): StoredHealthState => ({
  serviceId,
  state: failures >= 3 ? 'down' : 'up',
  failures,
  since: 5,
  checkedAt,
});
const flush = (
  id: string,
  rollups: HealthRollup[],
  states: StoredHealthState[] = [],
  at = Date.now(),
): HealthFlush => ({ id, at, rollups, states });

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

  it('adds flushed roll-up deltas to the hour (counts, sums, buckets; the maximum kept), once per flush id', async () => {
    const store = await fresh();
    const a: HealthRollup = { ...rollup(1, 7, 4), durationMaxMs: 900, buckets: [1, 2, 0, 200] };
    const b: HealthRollup = { ...rollup(1, 7, 6), durationMaxMs: 300, buckets: [0, 5, 1, 100, 0, 130] };
    assert.equal(await store.applyFlush(flush('replica-a:1', [a, rollup(2, 7, 1)])), true);
    assert.equal(await store.applyFlush(flush('replica-b:1', [b])), true);
    assert.equal(await store.applyFlush(flush('replica-a:1', [a, rollup(2, 7, 1)])), false, 'a retry');
    assert.deepEqual(await store.rollups(1, 0), [
      {
        serviceId: 1,
        hour: 7,
        checks: 10,
        up: 8,
        degraded: 2,
        durationSumMs: 2468,
        durationMaxMs: 900,
        buckets: [1, 7, 1, 300, 0, 130],
      },
    ]);
    assert.deepEqual(await store.rollups(2, 0), [rollup(2, 7, 1)]);
    assert.equal(await store.applyFlush(flush('replica-a:2', [])), true, 'an empty flush is acknowledged');
  });

  it('adds bucket counts of any size exactly (multi-byte varints, carries, uneven lengths)', async () => {
    const store = await fresh();
    const big = [127, 128, 16_383, 16_384, 2 ** 40, 0, 1];
    const other = [1, 127, 1, 2 ** 21 - 1, 3];
    await store.applyFlush(flush('x:1', [{ ...rollup(3, 1, 1), buckets: big }]));
    await store.applyFlush(flush('x:2', [{ ...rollup(3, 1, 1), buckets: other }]));
    const [row] = await store.rollups(3, 0);
    assert.deepEqual(row?.buckets, [128, 255, 16_384, 16_384 + 2 ** 21 - 1, 2 ** 40 + 3, 0, 1]);
  });

  it('adds concurrent flushes of the same hour without losing one', async () => {
    const store = await fresh();
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        store.applyFlush(flush(`r${String(i % 3)}:${String(i)}`, [{ ...rollup(4, 2, 1), buckets: [1] }])),
      ),
    );
    const rows = await store.rollups(4, 0);
    assert.deepEqual(
      rows.map((r) => [r.checks, r.buckets]),
      [[20, [20]]],
    );
  });

  it('keeps the newest checker state per service; deleting a service deletes its state', async () => {
    const store = await fresh();
    const id = await store.saveService('s', '{}', 'api', 1);
    await store.applyFlush(flush('a:1', [], [state(id, 100, 1), state(99, 50)]));
    await store.applyFlush(flush('b:1', [], [state(id, 200, 2)]));
    await store.applyFlush(flush('a:2', [], [state(id, 150, 0)])); // an older check never wins
    assert.deepEqual(await store.healthStates([id]), [state(id, 200, 2)]);
    assert.deepEqual(await store.healthStates(), [state(id, 200, 2), state(99, 50)]);
    assert.deepEqual(await store.healthStates([]), []);
    await store.deleteService(id);
    assert.deepEqual(await store.healthStates(), [state(99, 50)]);
  });

  it('forgets flush ids after a day', async () => {
    const store = await fresh();
    const day = 86_400_000;
    await store.applyFlush(flush('old:1', [rollup(5, 1, 1)], [], 1_000));
    await store.applyFlush(flush('new:1', [], [], 1_000 + day + 1));
    assert.equal(await store.applyFlush(flush('old:1', [rollup(5, 1, 1)], [], 2 + day)), true);
    assert.equal((await store.rollups(5, 0))[0]?.checks, 2);
  });
}
