import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { loadConfig } from '../../src/config/config.js';
import { createServices } from '../../src/services.js';
import { apiToken, bearer, userSession } from '../support/auth.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

const asNobody = { authorization: '' };

describe('login, refresh, users and roles', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ LOGIN_RATE_LIMIT: '4' });
  });
  after(async () => {
    await t.close();
  });

  /** POST /api/auth/refresh or /logout: they authenticate with the refresh token in the body only. */
  const withRefreshToken = (action: 'refresh' | 'logout', refreshToken: string) =>
    t.app.inject({
      method: 'POST',
      url: `/api/auth/${action}`,
      headers: asNobody,
      payload: { refreshToken },
    });

  const login = (username: string, password: string, ip = '127.0.0.1') =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: asNobody,
      payload: { username, password },
      remoteAddress: ip,
    });

  it('logs in with a short-lived JWT and a refresh token that works once', async () => {
    const session = await userSession(t.app, 'alice', 'editor');
    const me = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(session.access) });
    assert.deepEqual(me.json(), {
      authenticated: true,
      kind: 'user',
      name: 'alice',
      role: 'editor',
      permissions: ['read', 'ingest', 'write'],
    });
    // The page's first question, before any login: answered, not refused; a bad token still is.
    const nobody = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: { authorization: '' } });
    assert.equal(nobody.statusCode, 200);
    assert.deepEqual(nobody.json(), { authenticated: false, kind: 'anonymous', name: '', permissions: [] });
    const forged = await t.app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer('garbage') });
    assert.equal(forged.statusCode, 401);
    const refreshed = await withRefreshToken('refresh', session.refresh);
    assert.equal(refreshed.statusCode, 200);
    const again = await withRefreshToken('refresh', session.refresh);
    assert.equal(again.statusCode, 401, 'a refresh token is used once');
    const next = refreshed.json<{ accessToken: string; refreshToken: string; expiresIn: number }>();
    assert.equal(next.expiresIn, 900);
    const logout = await withRefreshToken('logout', next.refreshToken);
    assert.equal(logout.statusCode, 204);
    const afterLogout = await withRefreshToken('refresh', next.refreshToken);
    assert.equal(afterLogout.statusCode, 401);
  });

  it('says the same for a wrong password and an unknown user, and limits attempts per user name', async () => {
    await userSession(t.app, 'bob', 'viewer');
    const unknown = await login('nobody', 'whatever-password');
    const wrong = await login('bob', 'wrong-password-123', '10.0.0.1');
    assert.equal(unknown.statusCode, 401);
    assert.equal(wrong.statusCode, 401);
    assert.equal(unknown.json<{ detail: string }>().detail, wrong.json<{ detail: string }>().detail);
    // From other addresses too: the per-user count is not per address.
    for (const ip of ['10.0.0.2', '10.0.0.3', '10.0.0.4']) await login('bob', 'wrong-password-123', ip);
    const locked = await login('bob', 'viewer-password-0123456789', '10.0.0.5');
    assert.equal(locked.statusCode, 429);
    assert.ok(Number(locked.headers['retry-after']) > 0);
  });

  it('limits logins per address (LOGIN_RATE_LIMIT per 15 minutes) with Retry-After', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await login(`guess${String(i)}`, 'x', '10.9.9.9')).statusCode);
    assert.deepEqual(statuses, [401, 401, 401, 401, 429, 429]);
  });

  it("a password change revokes the user's earlier tokens, refresh tokens included", async () => {
    const session = await userSession(t.app, 'carol', 'viewer');
    const change = await t.app.inject({
      method: 'POST',
      url: '/api/auth/password',
      headers: bearer(session.access),
      payload: { currentPassword: session.password, newPassword: 'a-brand-new-password-42' },
    });
    assert.equal(change.statusCode, 204);
    const old = await t.app.inject({ method: 'GET', url: '/api/alerts', headers: bearer(session.access) });
    assert.equal(old.statusCode, 401);
    assert.equal(old.json<{ code: string }>().code, 'token_revoked');
    const refresh = await withRefreshToken('refresh', session.refresh);
    assert.equal(refresh.statusCode, 401);
    assert.equal((await login('carol', 'a-brand-new-password-42', '10.3.3.3')).statusCode, 200);
  });

  it("an admin's role change revokes the user's tokens; the new role applies at the next login", async () => {
    const session = await userSession(t.app, 'dave', 'editor');
    const rule = { name: 'Dave rule', metricName: 'dave_metric', threshold: 1 };
    const allowed = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      headers: bearer(session.access),
      payload: rule,
    });
    assert.equal(allowed.statusCode, 201);
    await t.app.inject({ method: 'PATCH', url: '/api/auth/users/dave', payload: { role: 'viewer' } });
    const revoked = await t.app.inject({
      method: 'GET',
      url: '/api/alerts',
      headers: bearer(session.access),
    });
    assert.equal(revoked.json<{ code: string }>().code, 'token_revoked');
    const relogged = (await login('dave', session.password, '10.4.4.4')).json<{ accessToken: string }>();
    const refused = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      headers: bearer(relogged.accessToken),
      payload: { ...rule, name: 'Dave rule 2' },
    });
    assert.equal(refused.statusCode, 403);
  });

  it('validates users: name, password length and content, duplicates, the last admin', async () => {
    const post = (payload: object) => t.app.inject({ method: 'POST', url: '/api/auth/users', payload });
    assert.equal((await post({ name: 'erin', password: 'short', role: 'viewer' })).statusCode, 422);
    const containsName = await post({ name: 'erin', password: 'erin-is-my-password', role: 'viewer' });
    assert.equal(containsName.json<{ field: string }>().field, 'password');
    assert.equal(
      (await post({ name: '../etc', password: 'long-enough-password', role: 'viewer' })).statusCode,
      422,
    );
    assert.equal(
      (await post({ name: 'erin', password: 'long-enough-password', role: 'root' })).statusCode,
      422,
    );
    assert.equal(
      (await post({ name: 'erin', password: 'long-enough-password', role: 'viewer' })).statusCode,
      201,
    );
    assert.equal(
      (await post({ name: 'erin', password: 'long-enough-password', role: 'viewer' })).statusCode,
      409,
    );
    const demote = await t.app.inject({
      method: 'PATCH',
      url: '/api/auth/users/admin',
      payload: { role: 'viewer' },
    });
    assert.equal(demote.statusCode, 409);
    assert.equal(demote.json<{ code: string }>().code, 'last_admin');
    const remove = await t.app.inject({ method: 'DELETE', url: '/api/auth/users/admin' });
    assert.equal(remove.statusCode, 409);
    const list = await t.app.inject({ method: 'GET', url: '/api/auth/users' });
    assert.ok(!list.body.includes('scrypt'), 'password hashes never leave the service');
  });

  it('API tokens: shown once, stored as a hash, scoped, listed without secrets, revoked', async () => {
    const ingest = await apiToken(t.app, ['ingest']);
    assert.match(ingest.token, /^mst_/);
    const db = new Database(join(t.dataDir, 'metrics.db'), { readonly: true });
    const row = db.prepare('SELECT * FROM api_tokens WHERE id = ?').get(ingest.id) as Record<string, unknown>;
    db.close();
    assert.ok(!JSON.stringify(row).includes(ingest.token.split('_').at(-1)!), 'the secret is not stored');
    const push = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: bearer(ingest.token),
      payload: { name: 'token_pushed', value: 1 },
    });
    assert.equal(push.statusCode, 200);
    const read = await t.app.inject({
      method: 'GET',
      url: '/api/metrics/summary',
      headers: bearer(ingest.token),
    });
    assert.equal(read.statusCode, 403);
    const list = await t.app.inject({ method: 'GET', url: '/api/auth/tokens' });
    assert.ok(!list.body.includes(ingest.token));
    const listed = list.json<{ tokens: { id: string; lastUsedAt: string | null }[] }>().tokens;
    assert.ok(listed.find((x) => x.id === ingest.id)?.lastUsedAt !== null);
    await t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${ingest.id}` });
    const after = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: bearer(ingest.token),
      payload: { name: 'token_pushed', value: 1 },
    });
    assert.equal(after.json<{ code: string }>().code, 'token_revoked');
  });

  it('ADMIN_TOKEN acts as admin only when sent exactly', async () => {
    const asAdmin = await t.app.inject({
      method: 'GET',
      url: '/api/auth/tokens',
      headers: bearer(TEST_ADMIN_TOKEN),
    });
    assert.equal(asAdmin.statusCode, 200);
    const last = TEST_ADMIN_TOKEN.at(-1) === 't' ? 'u' : 't';
    for (const wrong of [
      `${TEST_ADMIN_TOKEN.slice(0, -1)}${last}`,
      TEST_ADMIN_TOKEN.slice(0, -1),
      `${TEST_ADMIN_TOKEN}x`,
      TEST_ADMIN_TOKEN.toUpperCase(),
    ]) {
      const refused = await t.app.inject({ method: 'GET', url: '/api/auth/tokens', headers: bearer(wrong) });
      assert.equal(refused.statusCode, 401, wrong);
      assert.equal(refused.json<{ code: string }>().code, 'invalid_token');
    }
    // Still the admin after the refusals: nothing about the comparison is remembered per credential.
    const again = await t.app.inject({
      method: 'GET',
      url: '/api/auth/tokens',
      headers: bearer(TEST_ADMIN_TOKEN),
    });
    assert.equal(again.statusCode, 200);
  });

  it('keeps an audit log of changes, readable by admins only', async () => {
    const editor = await userSession(t.app, 'frank', 'editor');
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/health/services',
      headers: bearer(editor.access),
      payload: { name: 'audited-service', url: 'https://example.invalid/health' },
    });
    assert.equal(created.statusCode, 201, created.body);
    await t.app.inject({ method: 'DELETE', url: '/api/health/services/audited-service' });
    const log = await t.app.inject({ method: 'GET', url: '/api/audit?limit=50' });
    const entries = log.json<{
      entries: { actor: string; action: string; target: string; status: number }[];
    }>().entries;
    assert.ok(
      entries.some(
        (e) =>
          e.actor === 'user:frank' &&
          e.action === 'POST /api/health/services' &&
          e.target.includes('name=audited-service') &&
          e.status === 201,
      ),
    );
    assert.ok(
      entries.some(
        (e) => e.actor.startsWith('token:ADMIN_TOKEN') && e.action === 'DELETE /api/health/services/:name',
      ),
    );
    assert.ok(entries.some((e) => e.action === 'POST /api/auth/users' && e.target === 'name=frank'));
    assert.ok(!log.body.includes(editor.password), 'bodies are never recorded');
    const filtered = await t.app.inject({
      method: 'GET',
      url: `/api/audit?action=${encodeURIComponent('DELETE ')}&target=name%3Daudited-service`,
    });
    assert.deepEqual(
      filtered.json<{ entries: { action: string }[] }>().entries.map((e) => e.action),
      ['DELETE /api/health/services/:name'],
    );
    const spaced = await t.app.inject({ method: 'GET', url: '/api/audit?target=a%20b' });
    assert.equal(spaced.statusCode, 422, 'a target part has no space');
    const forbidden = await t.app.inject({
      method: 'GET',
      url: '/api/audit',
      headers: bearer(editor.access),
    });
    assert.equal(forbidden.statusCode, 403);
  });
});

describe('first start', () => {
  it('without ADMIN_PASSWORD: a generated admin password, printed once, that logs in', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-first-start-'));
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const start = async () => {
      const config = loadConfig({
        DATA_DIR: dir,
        SYSTEM_COLLECT_INTERVAL: '0',
        APPLICATION_COLLECT_INTERVAL: '0',
      });
      const services = await createServices(config, pino({ level: 'info' }, sink));
      return services;
    };
    try {
      const first = await start();
      const printed = lines
        .map((line) => JSON.parse(line) as { password?: string; msg: string })
        .filter((line) => line.password !== undefined);
      assert.equal(printed.length, 1);
      const password = printed[0]!.password!;
      assert.ok(password.length >= 20);
      assert.ok((await first.auth.users.authenticate('admin', password)) !== undefined);
      await first.close();
      lines.length = 0;
      const second = await start();
      assert.ok(!lines.join('').includes(password), 'shown once, never again');
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses weak or placeholder secrets in the environment, naming the variable', () => {
    assert.throws(() => loadConfig({ ADMIN_PASSWORD: 'admin' }), /ADMIN_PASSWORD must be at least 12/);
    assert.throws(() => loadConfig({ ADMIN_TOKEN: 'short' }), /ADMIN_TOKEN must be at least 32/);
    assert.throws(() => loadConfig({ JWT_SECRET: 'secret' }), /JWT_SECRET must be at least 32/);
    assert.throws(
      () => loadConfig({ TLS_CERT_FILE: '/x.pem' }),
      /TLS_CERT_FILE and TLS_KEY_FILE go together/,
    );
  });
});
