import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AlertStore, OutboxItem, StoredAlert, StoredRule } from '../../src/storage/ports.js';

export type AlertStoreFactory = () => Promise<AlertStore>;

const rule = (id: string, createdAt: number, origin: StoredRule['origin'] = 'api'): StoredRule => ({
  id,
  input: `{"name":"${id}"}`,
  origin,
  createdAt,
  updatedAt: createdAt,
});
const alert = (id: string, over: Partial<StoredAlert> = {}): StoredAlert => ({
  id,
  ruleId: 'r1',
  fingerprint: `fp-${id}`,
  state: 'firing',
  severity: 'critical',
  startedAt: 100,
  resolvedAt: null,
  updatedAt: 100,
  data: `{"id":"${id}"}`,
  ...over,
});
type NewItem = Parameters<AlertStore['enqueue']>[0][number];
const item = (key: string, at = 100, alertId: string | null = 'a1'): NewItem => ({
  idempotencyKey: key,
  alertId,
  channel: '{"type":"webhook"}',
  payload: `{"key":"${key}"}`,
  nextAttemptAt: at,
  createdAt: at,
  expiresAt: at + 1_000_000,
});
const keys = (items: OutboxItem[]): string[] => items.map((i) => i.idempotencyKey);

/** The AlertStore contract every adapter passes (SQLite, PostgreSQL). */
export function alertStoreContract(fresh: AlertStoreFactory): void {
  it('keeps meta values, overwriting on set', async () => {
    const store = await fresh();
    assert.equal(await store.getMeta('k'), undefined);
    await store.setMeta('k', 'v1');
    await store.setMeta('k', 'v2');
    assert.equal(await store.getMeta('k'), 'v2');
  });

  it('seeds rules once with their marker, never over an existing rule', async () => {
    const store = await fresh();
    await store.saveRule(rule('b', 5));
    assert.equal(
      await store.seedRules('seeded', '1', [rule('a', 1, 'builtin'), rule('b', 2, 'builtin')]),
      true,
    );
    assert.equal(await store.seedRules('seeded', '2', [rule('c', 3, 'builtin')]), false);
    assert.equal(await store.getMeta('seeded'), '1');
    assert.deepEqual(await store.loadRules(), [rule('a', 1, 'builtin'), rule('b', 5)]);
  });

  it('saves rules (upsert keeps the creation time), lists them by creation time, deletes them', async () => {
    const store = await fresh();
    await store.saveRule(rule('z', 1));
    await store.saveRule(rule('a', 2));
    await store.saveRule({ ...rule('z', 9, 'file'), input: '{"changed":true}' });
    assert.deepEqual(await store.loadRules(), [
      { id: 'z', input: '{"changed":true}', origin: 'file', createdAt: 1, updatedAt: 9 },
      rule('a', 2),
    ]);
    await store.deleteRule('z');
    await store.deleteRule('missing');
    assert.deepEqual(
      (await store.loadRules()).map((r) => r.id),
      ['a'],
    );
  });

  it('saves alerts over themselves, lists active ones, filters, orders newest first, limits', async () => {
    const store = await fresh();
    await store.saveAlert(alert('a1', { startedAt: 100 }));
    await store.saveAlert(alert('a2', { startedAt: 200, severity: 'warning', ruleId: 'r2' }));
    await store.saveAlert(alert('a3', { startedAt: 300, state: 'resolved', resolvedAt: 400 }));
    await store.saveAlert(alert('a1', { startedAt: 100, state: 'pending', updatedAt: 150 }));
    assert.deepEqual(await store.getAlert('a1'), alert('a1', { state: 'pending', updatedAt: 150 }));
    assert.equal(await store.getAlert('nope'), undefined);
    assert.deepEqual((await store.activeAlerts()).map((a) => a.id).sort(), ['a1', 'a2']);
    const ids = async (filter: Parameters<AlertStore['listAlerts']>[0]): Promise<string[]> =>
      (await store.listAlerts(filter)).map((a) => a.id);
    assert.deepEqual(await ids({ limit: 10 }), ['a3', 'a2', 'a1']);
    assert.deepEqual(await ids({ limit: 2 }), ['a3', 'a2']);
    assert.deepEqual(await ids({ states: ['pending', 'resolved'], limit: 10 }), ['a3', 'a1']);
    assert.deepEqual(await ids({ severities: ['warning'], limit: 10 }), ['a2']);
    assert.deepEqual(await ids({ ruleId: 'r1', limit: 10 }), ['a3', 'a1']);
    assert.deepEqual(await ids({ from: 450, limit: 10 }), ['a2', 'a1']);
    assert.deepEqual(await ids({ to: 150, limit: 10 }), ['a1']);
    assert.deepEqual(await ids({ states: [], limit: 10 }), ['a3', 'a2', 'a1']);
  });

  it('deletes alerts resolved before a cutoff with their notifications', async () => {
    const store = await fresh();
    await store.saveAlert(alert('old', { state: 'resolved', resolvedAt: 10 }));
    await store.saveAlert(alert('new', { state: 'resolved', resolvedAt: 1000 }));
    await store.saveAlert(alert('open'));
    await store.enqueue([item('k-old', 5, 'old'), item('k-new', 5, 'new')]);
    assert.equal(await store.deleteAlertsBefore(500), 1);
    assert.equal(await store.getAlert('old'), undefined);
    assert.deepEqual(await store.notificationsOf('old'), []);
    assert.equal((await store.notificationsOf('new')).length, 1);
  });

  it('keeps silences ordered by end and channels by name, and reports what a delete removed', async () => {
    const store = await fresh();
    await store.saveSilence('s2', 200, '{"s":2}');
    await store.saveSilence('s1', 100, '{"s":1}');
    await store.saveSilence('s2', 300, '{"s":"2b"}');
    assert.deepEqual(await store.loadSilences(), [
      { id: 's1', data: '{"s":1}' },
      { id: 's2', data: '{"s":"2b"}' },
    ]);
    assert.equal(await store.deleteSilence('s1'), true);
    assert.equal(await store.deleteSilence('s1'), false);
    await store.saveChannel('ops', '{"a":1}', 1);
    await store.saveChannel('dev', '{"b":1}', 1);
    await store.saveChannel('ops', '{"a":2}', 2);
    assert.deepEqual(await store.loadChannels(), [
      { name: 'dev', data: '{"b":1}' },
      { name: 'ops', data: '{"a":2}' },
    ]);
    assert.equal(await store.deleteChannel('dev'), true);
    assert.equal(await store.deleteChannel('dev'), false);
  });

  it('enqueues once per idempotency key and lists what is due, oldest first', async () => {
    const store = await fresh();
    await store.enqueue([item('k2', 200), item('k1', 100)]);
    await store.enqueue([{ ...item('k1', 50), payload: 'changed' }, item('k3', 300)]);
    assert.deepEqual(keys(await store.due(250, 10)), ['k1', 'k2']);
    assert.deepEqual(keys(await store.due(1000, 2)), ['k1', 'k2']);
    const first = (await store.notificationsOf('a1')).find((n) => n.idempotencyKey === 'k1');
    assert.ok(first);
    assert.equal(first.payload, '{"key":"k1"}');
    assert.equal(first.status, 'pending');
    assert.equal(first.attempts, 0);
    assert.equal(first.deliveredAt, null);
    assert.equal(first.lastError, null);
    assert.equal(await store.nextDue(), 100);
  });

  it('claims due rows once per live lease, and again after the lease ends', async () => {
    const store = await fresh();
    await store.enqueue([item('k1', 100), item('k2', 100), item('k3', 500)]);
    assert.deepEqual(keys(await store.claimDue(200, 1, 'A', 1000)), ['k1']);
    assert.deepEqual(keys(await store.claimDue(200, 10, 'B', 1000)), ['k2']);
    assert.deepEqual(await store.claimDue(300, 10, 'C', 1000), []);
    // Claimed rows are still pending (a read-only listing shows them), but not claimable before 1200.
    assert.equal((await store.due(300, 10)).length, 2);
    assert.equal(await store.nextDue(), 500);
    assert.deepEqual(keys(await store.claimDue(1200, 10, 'C', 1000)), ['k1', 'k2', 'k3']);
  });

  it('settles only by the owner of the claim: delivered, retry later, failed, expired', async () => {
    const store = await fresh();
    await store.enqueue([item('d'), item('r'), item('f'), item('e'), item('lost')]);
    const claimed = await store.claimDue(100, 10, 'A', 1000);
    const id = (key: string): number => claimed.find((c) => c.idempotencyKey === key)!.id;
    assert.equal(await store.settle(id('d'), 'B', { status: 'delivered', at: 150 }), false);
    assert.equal(await store.settle(id('d'), 'A', { status: 'delivered', at: 150 }), true);
    assert.equal(await store.settle(id('d'), 'A', { status: 'delivered', at: 160 }), false);
    assert.equal(
      await store.settle(id('r'), 'A', { status: 'pending', nextAttemptAt: 3000, error: '503' }),
      true,
    );
    assert.equal(await store.settle(id('f'), 'A', { status: 'failed', error: '404' }), true);
    assert.equal(await store.settle(id('e'), 'A', { status: 'expired', error: 'too old' }), true);
    // 'lost': A's lease ends, B takes the row over; A's late settle is refused and changes nothing.
    assert.deepEqual(keys(await store.claimDue(1100, 10, 'B', 100_000)), ['lost']);
    assert.equal(await store.settle(id('lost'), 'A', { status: 'delivered', at: 1150 }), false);
    const byKey = new Map((await store.notificationsOf('a1')).map((n) => [n.idempotencyKey, n]));
    assert.deepEqual(
      [byKey.get('d')?.status, byKey.get('d')?.attempts, byKey.get('d')?.deliveredAt],
      ['delivered', 1, 150],
    );
    assert.deepEqual(
      [
        byKey.get('r')?.status,
        byKey.get('r')?.attempts,
        byKey.get('r')?.nextAttemptAt,
        byKey.get('r')?.lastError,
      ],
      ['pending', 1, 3000, '503'],
    );
    assert.deepEqual([byKey.get('f')?.status, byKey.get('f')?.lastError], ['failed', '404']);
    assert.deepEqual([byKey.get('e')?.status, byKey.get('e')?.lastError], ['expired', 'too old']);
    assert.deepEqual([byKey.get('lost')?.status, byKey.get('lost')?.attempts], ['pending', 0]);
    // The retried row is claimable again at its next attempt, by anyone.
    assert.deepEqual(keys(await store.claimDue(3000, 10, 'C', 1000)), ['r']);
    assert.equal(await store.nextDue(), 4000);
  });

  it('has nothing due on an empty outbox', async () => {
    const store = await fresh();
    assert.equal(await store.nextDue(), undefined);
    assert.deepEqual(await store.claimDue(1e15, 10, 'A', 1), []);
    assert.deepEqual(await store.notificationsOf('none'), []);
  });
}
