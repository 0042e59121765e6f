import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import type { RouteOptions } from 'fastify';
import type { Access } from '../../src/auth/permissions.js';
import { buildApp } from '../../src/app.js';
import { installGuard } from '../../src/http/guard.js';
import { accessOf } from '../../src/http/route-access.js';
import { apiToken, bearer, forgeJwt, unsignedJwt, userSession, TEST_JWT_SECRET } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** The routes meant to be public, declared here and nowhere else in the tests. */
const PUBLIC = new Set([
  'GET /health',
  'GET /ready',
  'GET /',
  'GET /assets/:file',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'POST /api/auth/logout',
  'GET /api/auth/me',
  'GET /status/:slug',
  'GET /status/:slug/feed.atom',
  'GET /api/status/:slug',
  'GET /badge/:service/status',
  'GET /badge/:service/uptime',
  // Push monitors: the secret token in the path is the credential (cron jobs send no header).
  'GET /api/push/:token',
  'POST /api/push/:token',
]);

interface Route {
  method: string;
  path: string;
  access: Access;
}

/** A URL for a route template: every parameter filled in. */
const urlOf = (path: string): string =>
  path.replace(/:([A-Za-z]+)/g, 'x-$1').replace(/\{([A-Za-z]+)\}/g, 'x-$1');

describe('every route refuses a missing, malformed, expired, revoked or under-scoped token', () => {
  let t: TestApp;
  const routes: Route[] = [];
  const credentials: Record<string, string> = {};

  before(async () => {
    t = await startTestApp({ JWT_SECRET: TEST_JWT_SECRET });
    // The route table, from the OpenAPI document (the hidden page routes come from the app's route list).
    const document = (await t.app.inject({ method: 'GET', url: '/api-docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    for (const [path, operations] of Object.entries(document.paths))
      for (const method of Object.keys(operations)) {
        const template = path.replace(/\{([A-Za-z]+)\}/g, ':$1');
        const upper = method.toUpperCase();
        if (upper === 'HEAD') continue;
        routes.push({ method: upper, path: template, access: accessOf(upper, template, true)! });
      }
    const viewer = await userSession(t.app, 'vera', 'viewer');
    const editor = await userSession(t.app, 'eddie', 'editor');
    const revokedUser = await userSession(t.app, 'rex', 'editor');
    await t.app.inject({ method: 'PATCH', url: '/api/auth/users/rex', payload: { role: 'viewer' } });
    const revokedToken = await apiToken(t.app, ['admin']);
    await t.app.inject({ method: 'DELETE', url: `/api/auth/tokens/${revokedToken.id}` });
    const expiredToken = await apiToken(t.app, ['admin'], { expiresIn: 60 });
    // Make it expired in the store (a second connection to the same SQLite file): no waiting a minute.
    const db = new Database(join(t.dataDir, 'metrics.db'));
    db.prepare('UPDATE api_tokens SET expires_at = ? WHERE id = ?').run(Date.now() - 1000, expiredToken.id);
    const adminId = (db.prepare("SELECT id FROM users WHERE name = 'admin'").get() as { id: string }).id;
    db.close();
    Object.assign(credentials, {
      viewer: viewer.access,
      editor: editor.access,
      revokedJwt: revokedUser.access,
      ingest: (await apiToken(t.app, ['ingest'])).token,
      read: (await apiToken(t.app, ['read'])).token,
      revokedToken: revokedToken.token,
      expiredToken: expiredToken.token,
      expiredJwt: await forgeJwt({ sub: adminId, exp: Math.floor(Date.now() / 1000) - 60 }),
      otherKeyJwt: await forgeJwt({
        secret: 'another-secret-nobody-configured-0123456789',
        sub: adminId,
        exp: Math.floor(Date.now() / 1000) + 600,
      }),
      unsignedJwt: unsignedJwt(adminId),
    });
  });
  after(async () => {
    await t.close();
  });

  it('reads the whole route table from the OpenAPI document', () => {
    assert.ok(routes.length >= 50, `only ${String(routes.length)} routes`);
    assert.ok(routes.every((route) => (route.access as Access | undefined) !== undefined));
  });

  it('declares public only the routes meant to be', () => {
    const publicRoutes = routes
      .filter((route) => route.access === 'public' && !route.path.startsWith('/api-docs'))
      .map((route) => `${route.method} ${route.path}`);
    assert.deepEqual(
      publicRoutes.filter((route) => !PUBLIC.has(route)),
      [],
    );
  });

  it('answers 401 with a problem and WWW-Authenticate to no token, a malformed one, and a forged one', async (ctx) => {
    const cases: [string, Record<string, string>, string][] = [
      ['none', { authorization: '' }, 'authentication_required'],
      ['not bearer', { authorization: 'Basic YWRtaW46YWRtaW4=' }, 'invalid_token'],
      ['garbage', bearer('garbage'), 'invalid_token'],
      ['malformed API token', bearer('mst_short_secret'), 'invalid_token'],
      ['unknown API token', bearer(`mst_AAAAAAAAAAAA_${'A'.repeat(43)}`), 'invalid_token'],
      ['other key', bearer(credentials.otherKeyJwt!), 'invalid_token'],
      ['alg none', bearer(credentials.unsignedJwt!), 'invalid_token'],
      ['expired JWT', bearer(credentials.expiredJwt!), 'token_expired'],
      ['expired API token', bearer(credentials.expiredToken!), 'token_expired'],
      ['revoked JWT', bearer(credentials.revokedJwt!), 'token_revoked'],
      ['revoked API token', bearer(credentials.revokedToken!), 'token_revoked'],
    ];
    let checked = 0;
    for (const route of routes.filter((r) => r.access !== 'public')) {
      for (const [name, headers, code] of cases) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: urlOf(route.path),
          headers: { ...headers, 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
        });
        const where = `${route.method} ${route.path} with ${name}`;
        assert.equal(response.statusCode, 401, `${where}: ${response.body}`);
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/, where);
        assert.equal(response.json<{ code: string }>().code, code, where);
        assert.match(String(response.headers['www-authenticate']), /^Bearer realm="metrics-service"/, where);
        checked++;
      }
    }
    ctx.diagnostic(
      `${String(checked)} refusals (401) on ${String(routes.filter((r) => r.access !== 'public').length)} guarded routes`,
    );
    assert.ok(checked >= 500, String(checked));
  });

  it('answers 403 to a valid token without the permission the route needs', async (ctx) => {
    const weaker: Record<Exclude<Access, 'public' | 'authenticated'>, string[]> = {
      read: ['ingest'],
      ingest: ['read', 'viewer'],
      write: ['read', 'ingest', 'viewer'],
      admin: ['read', 'ingest', 'viewer', 'editor'],
    };
    let checked = 0;
    for (const route of routes) {
      if (route.access === 'public' || route.access === 'authenticated') continue;
      for (const who of weaker[route.access]) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: urlOf(route.path),
          headers: { ...bearer(credentials[who]!), 'content-type': 'application/json' },
          payload: route.method === 'GET' || route.method === 'DELETE' ? undefined : '{}',
        });
        const where = `${route.method} ${route.path} as ${who}`;
        assert.equal(response.statusCode, 403, `${where}: ${response.body}`);
        assert.equal(response.json<{ code: string }>().code, 'insufficient_scope', where);
        checked++;
      }
    }
    ctx.diagnostic(`${String(checked)} refusals (403) of under-scoped tokens`);
    assert.ok(checked >= 100, String(checked));
  });

  it('lets the public routes through without any token', async () => {
    for (const url of ['/health', '/ready', '/', '/api-docs/json']) {
      const response = await t.app.inject({ method: 'GET', url, headers: { authorization: '' } });
      assert.ok(response.statusCode < 400, `${url}: ${String(response.statusCode)}`);
    }
  });

  it('keeps /metrics behind a read token by default, and open with METRICS_AUTH=false', async () => {
    const refused = await t.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: '' } });
    assert.equal(refused.statusCode, 401);
    const read = await t.app.inject({ method: 'GET', url: '/metrics', headers: bearer(credentials.read!) });
    assert.equal(read.statusCode, 200);
    const open = await startTestApp({ METRICS_AUTH: 'false' });
    try {
      const response = await open.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: { authorization: '' },
      });
      assert.equal(response.statusCode, 200);
      const api = await open.app.inject({
        method: 'GET',
        url: '/api/alerts',
        headers: { authorization: '' },
      });
      assert.equal(api.statusCode, 401);
    } finally {
      await open.close();
    }
  });

  it('refuses to start an app with a route that has no access rule', async () => {
    const app = Fastify();
    installGuard(app, {
      auth: t.services.auth,
      metricsAuth: true,
      maxUrlLength: 8192,
      rateLimit: () => Promise.resolve(),
    });
    await assert.rejects(async () => {
      app.get('/api/forgotten', () => 'oops');
      await app.ready();
    }, /GET \/api\/forgotten has no access rule/);
  });

  it('has an access rule for every route the app declares (none left to the default)', async () => {
    const declared: RouteOptions[] = [];
    const app = await buildApp(t.services, { onRoute: (route) => declared.push(route) });
    await app.close();
    for (const route of declared)
      assert.ok(route.config?.access !== undefined, `${String(route.method)} ${route.url}`);
  });
});
