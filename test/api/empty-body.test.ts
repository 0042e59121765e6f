import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requiresNothing } from '../../src/http/optional-body.js';
import { requireBinary } from '../support/binaries.js';
import { ADMIN_AUTH, startTestApp, type TestApp } from '../support/test-app.js';

interface Operation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}

/** A raw HTTP request as curl sends it: exactly these headers, no body. */
function rawPost(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: 'POST', headers: { ...ADMIN_AUTH, ...headers } },
      (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as Record<string, unknown> });
        });
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** The ways a client sends "no body": none at all, or an empty one declared as JSON. */
const EMPTY_BODIES: { label: string; headers: Record<string, string> }[] = [
  { label: 'no body, no content type', headers: {} },
  { label: 'no body, Content-Length: 0', headers: { 'content-length': '0' } },
  { label: 'empty JSON body', headers: { 'content-type': 'application/json', 'content-length': '0' } },
  {
    label: 'empty JSON body with charset',
    headers: { 'content-type': 'application/json; charset=utf-8', 'content-length': '0' },
  },
];

describe('routes whose body requires nothing accept no body (issue 15, item 8)', () => {
  let t: TestApp;
  let port: number;
  before(async () => {
    t = await startTestApp();
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
    const rule = await t.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: { name: 'Queue', metricName: 'queue_depth', condition: '>', threshold: 100 },
    });
    assert.equal(rule.statusCode, 201, rule.body);
  });
  after(async () => {
    await t.close();
  });

  const firingAlertId = async (): Promise<string> => {
    const pushed = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      payload: { name: 'queue_depth', type: 'gauge', value: 250 },
    });
    assert.equal(pushed.statusCode, 200, pushed.body);
    await t.services.alerting.engine.settled();
    const alert = t.services.alerting.engine.activeAlerts().find((a) => a.state === 'firing');
    assert.ok(alert);
    return alert.id;
  };

  for (const { label, headers } of EMPTY_BODIES) {
    it(`POST /api/health/check: ${label} checks every service (inject and raw HTTP)`, async () => {
      const injected = await t.app.inject({ method: 'POST', url: '/api/health/check', headers });
      assert.equal(injected.statusCode, 200, injected.body);
      assert.deepEqual(injected.json(), { services: [] });
      const raw = await rawPost(port, '/api/health/check', headers);
      assert.equal(raw.status, 200, JSON.stringify(raw.body));
    });

    it(`POST /api/alerts/:id/acknowledge: ${label}`, async () => {
      const id = await firingAlertId();
      const raw = await rawPost(port, `/api/alerts/${id}/acknowledge`, headers);
      assert.equal(raw.status, 200, JSON.stringify(raw.body));
      assert.equal(raw.body.acknowledged, true);
      const again = await t.app.inject({ method: 'POST', url: `/api/alerts/${id}/acknowledge`, headers });
      assert.equal(again.statusCode, 200, again.body);
    });

    it(`POST /api/alerts/:id/resolve: ${label} reaches the handler (409 while the condition holds)`, async () => {
      const id = await firingAlertId();
      const raw = await rawPost(port, `/api/alerts/${id}/resolve`, headers);
      assert.equal(raw.status, 409, JSON.stringify(raw.body));
      assert.equal(raw.body.code, 'condition_still_true');
    });
  }

  it('curl, as the README writes it (-X POST, with or without a JSON content type, no -d)', async (ctx) => {
    if (!requireBinary(ctx, 'curl', 'curl')) return;
    const id = await firingAlertId();
    for (const [path, extra] of [
      ['/api/health/check', []],
      ['/api/health/check', ['-H', 'Content-Type: application/json']],
      [`/api/alerts/${id}/acknowledge`, ['-H', 'Content-Type: application/json']],
    ] as const) {
      const { stdout } = await promisify(execFile)('curl', [
        '-s',
        '-w',
        '\n%{http_code}',
        '-X',
        'POST',
        `http://127.0.0.1:${String(port)}${path}`,
        '-H',
        `Authorization: ${ADMIN_AUTH.authorization}`,
        ...extra,
      ]);
      const status = stdout.slice(stdout.lastIndexOf('\n') + 1);
      assert.equal(status, '200', `${path} ${extra.join(' ')}: ${stdout}`);
    }
  });

  it('every documented operation whose body requires nothing takes an empty body', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api-docs/json' })).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const optional: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!requiresNothing(operation.requestBody?.content?.['application/json']?.schema)) continue;
        optional.push(`${method.toUpperCase()} ${path}`);
        assert.equal(operation.requestBody?.required, false, `${path}: Swagger UI must not insist on a body`);
        // Path parameters name nothing that exists: 404 is the handler speaking, which is the point.
        const url = path.replace(/\{[^}]+\}/g, 'absent');
        for (const { label, headers } of EMPTY_BODIES) {
          const r = await t.app.inject({ method: method.toUpperCase() as 'POST', url, headers });
          assert.ok(
            ![400, 415, 422].includes(r.statusCode),
            `${method.toUpperCase()} ${path} (${label}): ${String(r.statusCode)} ${r.body}`,
          );
        }
      }
    }
    for (const expected of [
      'POST /api/health/check',
      'POST /api/alerts/{id}/acknowledge',
      'POST /api/alerts/{id}/resolve',
    ])
      assert.ok(optional.includes(expected), `${expected} among ${optional.join(', ')}`);
  });

  it('keeps refusing an empty JSON body where the body has required fields', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json<{ code: string }>().code, 'invalid_json');
    const none = await t.app.inject({ method: 'POST', url: '/api/metrics/custom' });
    assert.equal(none.statusCode, 422);
    assert.equal(none.json<{ field: string }>().field, 'body');
  });

  it('still parses JSON bodies on optional-body routes, and refuses poisoned or broken ones', async () => {
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/health/check',
      payload: { name: 'nothing-here' },
    });
    assert.equal(unknown.statusCode, 404);
    const poisoned = await t.app.inject({
      method: 'POST',
      url: '/api/health/check',
      headers: { 'content-type': 'application/json' },
      payload: '{"__proto__": {"x": 1}}',
    });
    assert.equal(poisoned.statusCode, 400);
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/health/check',
      headers: { 'content-type': 'application/json' },
      payload: '{',
    });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json<{ code: string }>().code, 'invalid_json');
  });
});
