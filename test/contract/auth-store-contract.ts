import assert from 'node:assert/strict';
import { it } from 'node:test';
import type {
  AuditEntry,
  AuthStore,
  StoredApiToken,
  StoredRefreshToken,
  StoredUser,
} from '../../src/storage/ports.js';

export type AuthStoreFactory = () => Promise<AuthStore>;

const user = (id: string, name: string, over: Partial<StoredUser> = {}): StoredUser => ({
  id,
  name,
  passwordHash: `scrypt$${id}`,
  role: 'viewer',
  tokenVersion: 1,
  createdAt: 10,
  updatedAt: 10,
  ...over,
});
const refresh = (id: string, userId: string, expiresAt = 1000): StoredRefreshToken => ({
  id,
  userId,
  hash: `h-${id}`,
  tokenVersion: 1,
  createdAt: 1,
  expiresAt,
});
const apiToken = (id: string, createdAt: number, over: Partial<StoredApiToken> = {}): StoredApiToken => ({
  id,
  name: `token ${id}`,
  hash: `h-${id}`,
  scopes: ['ingest', 'read'],
  createdBy: 'admin',
  createdAt,
  expiresAt: null,
  lastUsedAt: null,
  revokedAt: null,
  ...over,
});
const audit = (at: number, actor: string): AuditEntry => ({
  at,
  actor,
  action: 'POST /api/rules',
  target: 'r1',
  status: 201,
  ip: '127.0.0.1',
  requestId: `req-${String(at)}`,
});

/** The AuthStore contract every adapter passes (SQLite, PostgreSQL). */
export function authStoreContract(fresh: AuthStoreFactory): void {
  it('keeps meta; setMetaIfAbsent keeps the first value and returns it', async () => {
    const store = await fresh();
    assert.equal(await store.setMetaIfAbsent('secret', 'first'), 'first');
    assert.equal(await store.setMetaIfAbsent('secret', 'second'), 'first');
    assert.equal(await store.getMeta('secret'), 'first');
    await store.setMeta('secret', 'rotated');
    assert.equal(await store.getMeta('secret'), 'rotated');
    assert.equal(await store.getMeta('absent'), undefined);
  });

  it('creates the first user only when there is none', async () => {
    const store = await fresh();
    assert.equal(await store.createFirstUser(user('u1', 'admin', { role: 'admin' })), true);
    assert.equal(await store.createFirstUser(user('u2', 'admin2', { role: 'admin' })), false);
    assert.deepEqual(await store.listUsers(), [user('u1', 'admin', { role: 'admin' })]);
  });

  it('saves, finds, lists (by name), counts, updates and deletes users', async () => {
    const store = await fresh();
    assert.equal(await store.countUsers(), 0);
    await store.saveUser(user('u2', 'zoe'));
    await store.saveUser(user('u1', 'ann'));
    await store.saveUser(user('u2', 'zoe', { role: 'editor', tokenVersion: 2, updatedAt: 20 }));
    assert.equal(await store.countUsers(), 2);
    assert.deepEqual(
      await store.getUser('u2'),
      user('u2', 'zoe', { role: 'editor', tokenVersion: 2, updatedAt: 20 }),
    );
    assert.deepEqual(await store.getUserByName('ann'), user('u1', 'ann'));
    assert.equal(await store.getUserByName('nobody'), undefined);
    assert.deepEqual(
      (await store.listUsers()).map((u) => u.name),
      ['ann', 'zoe'],
    );
    await assert.rejects(async () => store.saveUser(user('u3', 'ann')), 'names are unique');
    await store.saveRefreshToken(refresh('t1', 'u1'));
    assert.equal(await store.deleteUser('u1'), true);
    assert.equal(await store.deleteUser('u1'), false);
    assert.equal(await store.takeRefreshToken('t1'), undefined, 'a deleted user keeps no refresh token');
  });

  it('takes a refresh token once; deletes a user’s tokens and the expired ones', async () => {
    const store = await fresh();
    await store.saveRefreshToken(refresh('t1', 'u1'));
    await store.saveRefreshToken(refresh('t2', 'u1'));
    await store.saveRefreshToken(refresh('t3', 'u2', 50));
    await store.saveRefreshToken(refresh('t4', 'u2', 5000));
    const takes = await Promise.all([store.takeRefreshToken('t1'), store.takeRefreshToken('t1')]);
    assert.equal(takes.filter((t) => t !== undefined).length, 1);
    assert.deepEqual(
      takes.find((t) => t !== undefined),
      refresh('t1', 'u1'),
    );
    await store.deleteRefreshTokensOf('u1');
    assert.equal(await store.takeRefreshToken('t2'), undefined);
    assert.equal(await store.deleteExpiredRefreshTokens(100), 1);
    assert.equal(await store.takeRefreshToken('t3'), undefined);
    assert.deepEqual(await store.takeRefreshToken('t4'), refresh('t4', 'u2', 5000));
  });

  it('keeps API tokens with their scopes, lists them by creation, marks use and revocation', async () => {
    const store = await fresh();
    await store.saveApiToken(apiToken('b', 2, { scopes: ['admin'], expiresAt: 99 }));
    await store.saveApiToken(apiToken('a', 1));
    await store.markApiTokenUsed('a', 500);
    await store.saveApiToken({ ...apiToken('b', 2, { scopes: ['admin'], expiresAt: 99 }), revokedAt: 600 });
    assert.deepEqual(await store.getApiToken('a'), apiToken('a', 1, { lastUsedAt: 500 }));
    assert.equal(await store.getApiToken('nope'), undefined);
    assert.deepEqual(await store.listApiTokens(), [
      apiToken('a', 1, { lastUsedAt: 500 }),
      apiToken('b', 2, { scopes: ['admin'], expiresAt: 99, revokedAt: 600 }),
    ]);
  });

  it('appends audit entries; lists them newest first filtered by time and actor, limited; deletes old ones', async () => {
    const store = await fresh();
    for (const [at, actor] of [
      [100, 'ann'],
      [200, 'bob'],
      [300, 'ann'],
      [400, 'ann'],
    ] as const)
      await store.appendAudit(audit(at, actor));
    const ats = async (filter: Parameters<AuthStore['listAudit']>[0]): Promise<number[]> =>
      (await store.listAudit(filter)).map((e) => e.at);
    assert.deepEqual(await ats({ limit: 10 }), [400, 300, 200, 100]);
    assert.deepEqual(await ats({ limit: 2 }), [400, 300]);
    assert.deepEqual(await ats({ actor: 'ann', limit: 10 }), [400, 300, 100]);
    assert.deepEqual(await ats({ from: 200, to: 300, limit: 10 }), [300, 200]);
    const [newest] = await store.listAudit({ limit: 1 });
    assert.deepEqual({ ...newest, id: undefined }, { ...audit(400, 'ann'), id: undefined });
    assert.equal(typeof newest?.id, 'number');
    assert.equal(await store.deleteAuditBefore(250), 2);
    assert.deepEqual(await ats({ limit: 10 }), [400, 300]);
  });

  it('lists audit entries by action prefix and by one space-separated part of the target', async () => {
    const store = await fresh();
    const entry = (at: number, action: string, target: string): AuditEntry => ({
      ...audit(at, 'ann'),
      action,
      target,
    });
    await store.appendAudit(entry(1, 'POST /api/alerts/:id/acknowledge', 'id=4'));
    await store.appendAudit(entry(2, 'POST /api/alerts/:id/resolve', 'id=42'));
    await store.appendAudit(entry(3, 'DELETE /api/health/services/:name', 'name=id=4'));
    await store.appendAudit(entry(4, 'POST /api/alerts/:id/silence', 'id=4 silence=s1'));
    // Characters LIKE would read as wildcards are plain text here.
    await store.appendAudit(entry(5, 'POST /api/alerts/%', 'id=_'));
    const ats = async (filter: Parameters<AuthStore['listAudit']>[0]): Promise<number[]> =>
      (await store.listAudit(filter)).map((e) => e.at);
    assert.deepEqual(await ats({ actionPrefix: 'POST /api/alerts/:id/', limit: 10 }), [4, 2, 1]);
    assert.deepEqual(await ats({ targetPart: 'id=4', limit: 10 }), [4, 1]);
    assert.deepEqual(
      await ats({ actionPrefix: 'POST /api/alerts/:id/', targetPart: 'id=42', limit: 10 }),
      [2],
    );
    assert.deepEqual(await ats({ actionPrefix: 'POST /api/alerts/%', limit: 10 }), [5]);
    assert.deepEqual(await ats({ targetPart: 'id=_', limit: 10 }), [5]);
    assert.deepEqual(await ats({ targetPart: 'id', limit: 10 }), []);
  });
}
