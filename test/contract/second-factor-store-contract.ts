import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { SecondFactorStore } from '../../src/storage/ports.js';

export type SecondFactorStoreFactory = () => Promise<SecondFactorStore>;

/** What every SecondFactorStore adapter must do (ADR 0025): one enrolment, codes used once, even in races. */
export function secondFactorStoreContract(fresh: SecondFactorStoreFactory): void {
  it('begins, restarts and confirms an enrolment, then refuses another one', async () => {
    const store = await fresh();
    assert.equal(await store.getTotp('u1'), undefined);
    assert.equal(await store.beginTotp('u1', 'SECRETA', 100), true);
    assert.equal(await store.beginTotp('u1', 'SECRETB', 200), true, 'an unconfirmed enrolment restarts');
    assert.deepEqual(await store.getTotp('u1'), {
      userId: 'u1',
      secret: 'SECRETB',
      confirmedAt: null,
      lastStep: 0,
      createdAt: 200,
    });
    assert.equal(await store.confirmTotp('u1', 57, 300, ['h1', 'h2', 'h3']), true);
    assert.equal(await store.confirmTotp('u1', 58, 301, ['h4']), false, 'confirmed once');
    assert.equal(await store.beginTotp('u1', 'SECRETC', 400), false, 'a confirmed secret is kept');
    const stored = await store.getTotp('u1');
    assert.ok(stored);
    assert.equal(stored.secret, 'SECRETB');
    assert.equal(stored.confirmedAt, 300);
    assert.equal(stored.lastStep, 57);
    assert.equal(await store.countRecoveryCodes('u1'), 3);
    assert.equal(await store.confirmTotp('nobody', 1, 1, []), false);
  });

  it('accepts each step once and only forward', async () => {
    const store = await fresh();
    await store.beginTotp('u1', 'S', 1);
    await store.confirmTotp('u1', 10, 2, []);
    assert.equal(await store.useTotpStep('u1', 10), false, 'the confirming code is used');
    assert.equal(await store.useTotpStep('u1', 11), true);
    assert.equal(await store.useTotpStep('u1', 11), false, 'a replay');
    assert.equal(await store.useTotpStep('u1', 9), false, 'an older code after a newer one');
    const races = await Promise.all(Array.from({ length: 8 }, () => store.useTotpStep('u1', 12)));
    assert.equal(races.filter(Boolean).length, 1, 'one of eight parallel uses wins');
  });

  it('takes each recovery code once, replaces them, and deletes everything of a user', async () => {
    const store = await fresh();
    await store.beginTotp('u1', 'S', 1);
    await store.confirmTotp('u1', 1, 2, ['a', 'b']);
    await store.beginTotp('u2', 'T', 1);
    await store.confirmTotp('u2', 1, 2, ['a']);
    const races = await Promise.all(Array.from({ length: 6 }, () => store.takeRecoveryCode('u1', 'a')));
    assert.equal(races.filter(Boolean).length, 1);
    assert.equal(await store.takeRecoveryCode('u1', 'zzz'), false);
    assert.equal(await store.countRecoveryCodes('u1'), 1);
    assert.equal(await store.countRecoveryCodes('u2'), 1, "another user's same hash is their own");
    await store.replaceRecoveryCodes('u1', ['c', 'd', 'e']);
    assert.equal(await store.takeRecoveryCode('u1', 'b'), false, 'old codes stop working');
    assert.equal(await store.countRecoveryCodes('u1'), 3);
    await store.deleteTotp('u1');
    assert.equal(await store.getTotp('u1'), undefined);
    assert.equal(await store.countRecoveryCodes('u1'), 0);
    assert.equal(await store.beginTotp('u1', 'NEW', 5), true, 'enrols again after a reset');
    assert.notEqual(await store.getTotp('u2'), undefined);
  });
}
