import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WriteLock } from './write-lock.js';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('WriteLock', () => {
  it('runs holders one at a time, in the order they asked', async () => {
    const lock = new WriteLock();
    const order: string[] = [];
    await Promise.all(
      ['a', 'b', 'c'].map((name) =>
        lock.run(async () => {
          order.push(`${name} in`);
          await tick();
          order.push(`${name} out`);
        }),
      ),
    );
    assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('lets the next acquirer in once a holder releases early, but run() waits for the work handed off', async () => {
    const lock = new WriteLock();
    const order: string[] = [];
    let finishCommit: () => void = () => undefined;
    const commit = new Promise<void>((resolve) => {
      finishCommit = resolve;
    });
    const release = await lock.acquire();
    lock.handOff(commit.then(() => order.push('commit durable')));
    release();
    // Another append stages while the commit is in flight...
    const next = await lock.acquire();
    order.push('next append staged');
    next();
    // ...but exclusive work (a checkpoint) starts only after the commit handed off.
    const exclusive = lock.run(() => order.push('checkpoint'));
    await tick();
    assert.deepEqual(order, ['next append staged']);
    finishCommit();
    await exclusive;
    assert.deepEqual(order, ['next append staged', 'commit durable', 'checkpoint']);
  });

  it('a failed hand-off does not block or fail the work after it; release is idempotent', async () => {
    const lock = new WriteLock();
    const release = await lock.acquire();
    lock.handOff(Promise.reject(new Error('store gone')));
    release();
    release();
    assert.equal(await lock.run(() => 'ran'), 'ran');
  });
});
