import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { PushGroup } from '../../src/receivers/pushgateway/group-file.js';
import { expiryOf, type PushGroupStore } from '../../src/receivers/pushgateway/push-group-store.js';

export type PushGroupStoreFactory = () => Promise<PushGroupStore>;

const group = (job: string, pushTimeSeconds: number, ttlSeconds = 0): PushGroup => ({
  key: { job, instance: 'ü/é' },
  families: {
    backup_bytes: {
      type: 'gauge',
      help: 'Size, with "quotes" and \\ backslash',
      series: [{ name: 'backup_bytes', labels: { job, instance: 'ü/é', kind: 'full' } }],
    },
  },
  pushTimeSeconds,
  failureTimeSeconds: 0,
  ttlSeconds,
});

/** The PushGroupStore contract both adapters pass (SQLite, PostgreSQL). */
export function pushGroupStoreContract(fresh: PushGroupStoreFactory): void {
  it('saves groups by id (a second save replaces), loads them all byte for byte, deletes once', async () => {
    const store = await fresh();
    await store.save('job@a', group('a', 10.5), null, 1);
    await store.save('job@b', group('b', 11), null, 2);
    await store.save('job@a', group('a', 12.25), null, 3);
    assert.deepEqual(await store.load(), [group('a', 12.25), group('b', 11)]);
    assert.equal(await store.delete('job@a'), true);
    assert.equal(await store.delete('job@a'), false, 'the second delete (another replica) finds nothing');
    assert.deepEqual(await store.load(), [group('b', 11)]);
  });

  it('lists the groups whose TTL ended; groups without a TTL never expire', async () => {
    const store = await fresh();
    const short = group('short', 100, 5);
    const long = group('long', 100, 500);
    await store.save('short', short, expiryOf(short), 1);
    await store.save('long', long, expiryOf(long), 1);
    await store.save('kept', group('kept', 1), expiryOf(group('kept', 1)), 1);
    assert.deepEqual(await store.expired(104_999), []);
    assert.deepEqual(await store.expired(105_000), ['short']);
    assert.deepEqual(await store.expired(10 ** 12), ['long', 'short']);
    // A push renews the TTL: the new expiry replaces the old one.
    const renewed = group('short', 200, 5);
    await store.save('short', renewed, expiryOf(renewed), 2);
    assert.deepEqual(await store.expired(105_000), []);
  });
}
