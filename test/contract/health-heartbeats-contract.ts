import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  HEARTBEATS_KEPT,
  type HealthFlush,
  type HealthStore,
  type StoredHeartbeat,
} from '../../src/storage/ports.js';

export type HealthStoreFactory = () => Promise<HealthStore>;

const beat = (serviceId: number, at: number, state: StoredHeartbeat['state'] = 'up'): StoredHeartbeat => ({
  serviceId,
  at,
  state,
  durationMs: 12.5,
  statusCode: state === 'up' ? 200 : 503,
  reasonCode: state === 'up' ? null : 'status_code',
  reason: state === 'up' ? null : 'answered 503',
});
const flush = (id: string, beats: StoredHeartbeat[]): HealthFlush => ({
  id,
  at: Date.now(),
  rollups: [],
  states: [],
  beats,
});

/** Heartbeat bars and push monitors' last heartbeats (issues 19 and 20, ADR 0032) on every adapter. */
export function healthHeartbeatsContract(fresh: HealthStoreFactory): void {
  it('keeps the checks of a flush, once per flush id, and reads the newest N per service oldest first', async () => {
    const store = await fresh();
    assert.equal(
      await store.applyFlush(flush('a:1', [beat(1, 10), beat(2, 11), beat(1, 20, 'pending')])),
      true,
    );
    // A retried flush whose first attempt committed adds nothing.
    assert.equal(
      await store.applyFlush(flush('a:1', [beat(1, 10), beat(2, 11), beat(1, 20, 'pending')])),
      false,
    );
    assert.equal(await store.applyFlush(flush('a:2', [beat(1, 30, 'down')])), true);
    const all = await store.heartbeats([1, 2, 3], 10);
    assert.deepEqual([...all.keys()].sort(), [1, 2], 'a service without checks is absent');
    assert.deepEqual(all.get(1), [beat(1, 10), beat(1, 20, 'pending'), beat(1, 30, 'down')]);
    assert.deepEqual(all.get(2), [beat(2, 11)]);
    assert.deepEqual(
      (await store.heartbeats([1], 2)).get(1)?.map((b) => b.at),
      [20, 30],
    );
    assert.deepEqual(await store.heartbeats([], 10), new Map());
  });

  it(`prunes each service to the newest ${String(HEARTBEATS_KEPT)} checks as flushes write them`, async () => {
    const store = await fresh();
    const many = (serviceId: number, from: number, n: number): StoredHeartbeat[] =>
      Array.from({ length: n }, (_, i) => beat(serviceId, from + i));
    await store.applyFlush(flush('p:1', [...many(1, 1000, 80), ...many(2, 1000, 5)]));
    await store.applyFlush(flush('p:2', many(1, 2000, 50)));
    const kept = (await store.heartbeats([1, 2], 1000)).get(1)!;
    assert.equal(kept.length, HEARTBEATS_KEPT);
    assert.equal(kept[0]!.at, 1030, 'the oldest thirty went');
    assert.equal(kept.at(-1)!.at, 2049);
    assert.equal((await store.heartbeats([2], 1000)).get(2)!.length, 5, 'other services untouched');
  });

  it('two checks of one service in the same millisecond (two replicas in a handover) do not fail the flush', async () => {
    const store = await fresh();
    assert.equal(await store.applyFlush(flush('r:1', [beat(1, 10)])), true);
    assert.equal(await store.applyFlush(flush('r:2', [beat(1, 10, 'down'), beat(1, 11)])), true);
    assert.deepEqual(
      (await store.heartbeats([1], 10)).get(1)?.map((b) => [b.at, b.state]),
      [
        [10, 'up'],
        [11, 'up'],
      ],
    );
  });

  it("keeps a push monitor's newest heartbeat (an older one never replaces it); deleting the service drops both", async () => {
    const store = await fresh();
    const id = await store.saveService('cron', '{}', 'api', 1);
    assert.equal(await store.pushBeat(id), undefined);
    await store.savePushBeat({ serviceId: id, at: 100, status: 'up', message: '', pingMs: 1.5 });
    await store.savePushBeat({ serviceId: id, at: 200, status: 'down', message: 'disk full', pingMs: null });
    await store.savePushBeat({ serviceId: id, at: 150, status: 'up', message: 'late', pingMs: null });
    assert.deepEqual(await store.pushBeat(id), {
      serviceId: id,
      at: 200,
      status: 'down',
      message: 'disk full',
      pingMs: null,
    });
    await store.applyFlush(flush('d:1', [beat(id, 10)]));
    await store.deleteService(id);
    assert.equal(await store.pushBeat(id), undefined);
    assert.deepEqual(await store.heartbeats([id], 10), new Map());
  });
}
