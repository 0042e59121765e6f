import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { send } from '../support/http.js';

describe('service routes and API documentation', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  it('reports liveness and readiness', async () => {
    const health = await send(t.app, 'GET', '/health');
    assert.equal(health.status, 200);
    assert.equal(health.body.status, 'ok');
    const ready = await send<{ checks: Record<string, string> }>(t.app, 'GET', '/ready');
    assert.deepEqual(ready.body.checks, { store: 'ok' });
  });

  it('answers unknown routes with a JSON 404 problem and never leaks a stack trace', async () => {
    const r = await send(t.app, 'GET', '/api/nothing');
    assert.equal(r.status, 404);
    assert.match(r.contentType, /application\/problem\+json/);
    assert.equal(r.body.code, 'not_found');
  });

  it('answers a known path with a method it does not take with 405 and Allow, before authentication', async () => {
    for (const [method, url, allow] of [
      ['DELETE', '/api/health', 'GET, HEAD'],
      ['PUT', '/api/alerts/42/acknowledge', 'POST'],
      ['PATCH', '/ready', 'GET, HEAD'],
    ] as const) {
      const r = await t.app.inject({ method, url });
      assert.equal(r.statusCode, 405, `${method} ${url}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /application\/problem\+json/);
      assert.equal(r.json<{ code: string }>().code, 'method_not_allowed');
      assert.ok(
        String(r.headers.allow).includes(allow),
        `${method} ${url}: allow ${String(r.headers.allow)}`,
      );
    }
    // A path no route has stays a 404, whatever the method.
    assert.equal((await t.app.inject({ method: 'DELETE', url: '/api/nothing/at/all' })).statusCode, 404);
  });

  it('serves Swagger UI at /api-docs and the OpenAPI document at /api-docs/json', async () => {
    const ui = await t.app.inject({ method: 'GET', url: '/api-docs/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
    const doc = await send<{ openapi: string; paths: Record<string, Record<string, unknown>> }>(
      t.app,
      'GET',
      '/api-docs/json',
    );
    assert.equal(doc.body.openapi, '3.0.3');
    for (const path of [
      '/api/metrics/custom',
      '/api/metrics/business',
      '/api/metrics/batch',
      '/api/metrics/query',
      '/api/metrics/summary',
      '/metrics',
    ]) {
      assert.ok(doc.body.paths[path], `${path} is documented`);
    }
  });

  it('gives every route a schema with a documented success response', async () => {
    const routes: RouteOptions[] = [];
    const app: FastifyInstance = await buildApp(t.services, { onRoute: (route) => routes.push(route) });
    await app.close();
    const undocumented = routes
      .filter((route) => !route.url.startsWith('/api-docs'))
      .filter((route) => {
        const schema = route.schema as { response?: Record<string, unknown> } | undefined;
        return (
          schema?.response === undefined ||
          !Object.keys(schema.response).some((status) => status.startsWith('2'))
        );
      })
      .map((route) => `${String(route.method)} ${route.url}`);
    assert.deepEqual(undocumented, []);
    assert.ok(routes.filter((route) => !route.url.startsWith('/api-docs')).length >= 8);
  });
});
