import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { TEST_JWT_SECRET, apiToken, forgeJwt, userSession } from '../support/auth.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

/** Connects and answers how it ended: connected, or the connect_error code the server sent. */
function attempt(
  url: string,
  options: Parameters<typeof io>[1],
): Promise<{ socket: Socket; outcome: string }> {
  const socket = io(url, { ...options, reconnection: false, forceNew: true });
  return new Promise((resolve) => {
    socket.once('connect', () => {
      resolve({ socket, outcome: 'connected' });
    });
    socket.once('connect_error', (error: Error & { data?: { code?: string } }) => {
      resolve({ socket, outcome: error.data?.code ?? error.message });
    });
  });
}

function disconnected(socket: Socket): Promise<string> {
  return new Promise((resolve) => socket.once('disconnect', resolve));
}

describe('socket.io: authentication at the handshake, Origin, rights, revocation', () => {
  let t: TestApp;
  let url = '';
  const sockets: Socket[] = [];
  const open = async (options: Parameters<typeof io>[1]) => {
    const result = await attempt(url, options);
    sockets.push(result.socket);
    return result;
  };

  before(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://grafana.example.com', JWT_SECRET: TEST_JWT_SECRET });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
  });
  after(async () => {
    for (const socket of sockets) socket.close();
    await t.close();
  });

  it('refuses a socket without a token, with a bad one, or with an ingest-only one', async () => {
    assert.equal((await open({})).outcome, 'authentication_required');
    assert.equal((await open({ auth: { token: 'forged' } })).outcome, 'invalid_token');
    const ingest = await apiToken(t.app, ['ingest']);
    assert.equal((await open({ auth: { token: ingest.token } })).outcome, 'insufficient_scope');
    assert.equal((await open({ auth: { token: TEST_ADMIN_TOKEN } })).outcome, 'connected');
  });

  it('checks the Origin: the same origin and CORS_ORIGINS pass, another site does not', async () => {
    const withOrigin = (origin: string) =>
      open({ auth: { token: TEST_ADMIN_TOKEN }, extraHeaders: { origin }, transports: ['polling'] });
    assert.equal((await withOrigin('https://evil.example.net')).outcome, 'origin_not_allowed');
    assert.equal((await withOrigin('https://grafana.example.com')).outcome, 'connected');
    assert.equal((await withOrigin(url)).outcome, 'connected');
  });

  it('a viewer connects and subscribes; its socket is cut when an admin changes its role', async () => {
    const viewer = await userSession(t.app, 'sockviewer', 'viewer');
    const { socket, outcome } = await open({ auth: { token: viewer.access } });
    assert.equal(outcome, 'connected');
    const ack = (await socket.emitWithAck('subscribe', { type: 'alerts' })) as { ok: boolean };
    assert.equal(ack.ok, true);
    const cut = disconnected(socket);
    await t.app.inject({ method: 'PATCH', url: '/api/auth/users/sockviewer', payload: { role: 'editor' } });
    assert.equal(await cut, 'io server disconnect');
    const again = await open({ auth: { token: viewer.access } });
    assert.equal(again.outcome, 'token_revoked');
  });

  it("a password change cuts the user's sockets; a revoked API token's too", async () => {
    const user = await userSession(t.app, 'sockuser', 'viewer');
    const userSocket = (await open({ auth: { token: user.access } })).socket;
    const read = await apiToken(t.app, ['read']);
    const tokenSocket = (await open({ auth: { token: read.token } })).socket;
    const bystander = (await open({ auth: { token: TEST_ADMIN_TOKEN } })).socket;
    const userCut = disconnected(userSocket);
    await t.app.inject({
      method: 'PATCH',
      url: '/api/auth/users/sockuser',
      payload: { password: 'another-long-password-7' },
    });
    assert.equal(await userCut, 'io server disconnect');
    const tokenCut = disconnected(tokenSocket);
    await t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${read.id}` });
    assert.equal(await tokenCut, 'io server disconnect');
    assert.equal(bystander.connected, true, 'other sockets stay');
  });

  it('cuts a socket when its login token expires (the page then refreshes and reconnects)', async () => {
    const db = new Database(join(t.dataDir, 'metrics.db'), { readonly: true });
    const adminId = (db.prepare("SELECT id FROM users WHERE name = 'admin'").get() as { id: string }).id;
    db.close();
    const shortLived = await forgeJwt({ sub: adminId, exp: Math.floor(Date.now() / 1000) + 2 });
    const { socket, outcome } = await open({ auth: { token: shortLived } });
    assert.equal(outcome, 'connected');
    const started = Date.now();
    assert.equal(await disconnected(socket), 'io server disconnect');
    // The token ends 1-2 s from now (whole seconds): cut then, with room for a loaded host.
    const tookMs = Date.now() - started;
    assert.ok(tookMs < 6000, `cut after ${String(tookMs)} ms`);
  });
});
