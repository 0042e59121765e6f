import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
}

const deep = (depth: number, open: string, close: string, leaf: string): string =>
  open.repeat(depth) + leaf + close.repeat(depth);

/** Bodies that are not JSON at all, or JSON made to hurt: each sent raw, as application/json. */
const HOSTILE_BODIES: (string | Buffer)[] = [
  '',
  '{',
  '{"name": "x",}',
  '[1, 2',
  'nul',
  'NaN',
  '"\\ud800"',
  '\u0000',
  '{"name": "\u0000\u0001", "value": 1}',
  '42',
  'true',
  'null',
  '[]',
  '"a string"',
  '{"name": 123, "value": "1"}',
  '{"name": "x", "value": "NaN"}',
  '{"name": "x", "value": 1e400}',
  '{"name": "x", "value": -1e400}',
  '{"name": "x", "value": [1, 2, 3]}',
  '{"name": "x", "labels": "not-an-object"}',
  '{"name": "x", "labels": {"a": {"b": "c"}}}',
  JSON.stringify({ name: 'a'.repeat(1_000_000), value: 1 }),
  JSON.stringify({ name: 'x', value: 1, labels: { l: 'v'.repeat(500_000) } }),
  JSON.stringify({
    name: 'x',
    value: 1,
    labels: Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`l${String(i)}`, 'v'])),
  }),
  deep(5000, '[', ']', '1'),
  deep(5000, '{"a":', '}', '1'),
  Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from([0xef, 0xbb, 0xbf, 0x7b, 0x7d]),
  '{"__proto__": {"polluted": true}}',
  '{"constructor": {"prototype": {"polluted": true}}}',
  '{"name": "x", "value": 1, "labels": {"__proto__": {"polluted": "yes"}}}',
  '{"name": "x", "matchers": ["__proto__=~\\".+\\""], "metricName": "x", "threshold": 1}',
  '{"name": "x", "metricName": "m", "threshold": 1, "matchers": ["l=~\\"(a+)+$\\""]}',
  '{"name": "svc", "url": "http://169.254.169.254/latest/meta-data/"}',
  '{"name": "svc", "url": "file:///etc/passwd"}',
  '{"name": "svc", "url": "gopher://127.0.0.1:6379/_FLUSHALL"}',
  '{"type": "webhook", "name": "c", "destination": "http://[::1]:6379/"}',
  '{"username": {"$ne": null}, "password": {"$ne": null}}',
];

/** Query strings made to hurt the GET routes' parsers. */
const HOSTILE_QUERIES = [
  '?start=%ff%fe&end=-1&step=0',
  '?metric=__proto__&fn=constructor',
  `?metric=${'a'.repeat(4000)}`,
  '?match=l%3D~%22(a%2B)%2B%24%22&metric=x',
  '?window=99999999999999999999d&range=-5m',
  '?state=firing,,,&severity=%00&from=not-a-date',
  '?limit=1e9&limit=2&limit=-1',
  '?__proto__[polluted]=1&constructor[prototype][polluted]=1',
];

/** Values for path parameters. */
const HOSTILE_PARAMS = [
  '%00',
  '..%2F..%2Fetc%2Fpasswd',
  '__proto__',
  'constructor',
  '%F0%9F%92%A9',
  'a'.repeat(300),
  '%E0%A4%A',
];

describe('fuzz: hostile input on every route', () => {
  let t: TestApp;
  const routes: Route[] = [];

  before(async () => {
    t = await startTestApp({ EGRESS_ALLOWLIST: '' });
    const document = (await t.app.inject({ method: 'GET', url: '/api-docs/json' })).json<{
      paths: Record<string, Record<string, unknown>>;
    }>();
    for (const [path, operations] of Object.entries(document.paths))
      for (const method of Object.keys(operations))
        if (method !== 'head') routes.push({ method: method.toUpperCase() as Route['method'], path });
  });
  after(async () => {
    await t.close();
  });

  /** What the service holds: a refused request must leave every count as it was. */
  const snapshot = async () => ({
    families: t.services.registry.families.size,
    series: t.services.registry.activeSeries,
    rules: t.services.alerting.rules.list().length,
    services: t.services.health.checker.list().length,
    channels: t.services.alerting.channels.list().length,
    silences: t.services.alerting.silences.list().length,
    users: (await t.services.auth.users.list()).length,
    tokens: (await t.services.auth.apiTokens.list()).length,
  });

  it('never answers 5xx, never crashes, never stores what it refuses, never pollutes prototypes', async (ctx) => {
    let cases = 0;
    const statuses = new Map<number, number>();
    const send = async (method: Route['method'], url: string, body?: string | Buffer): Promise<void> => {
      const before = await snapshot();
      const response = await t.app.inject({
        method,
        url,
        headers: { 'content-type': 'application/json' },
        ...(body === undefined || method === 'GET' || method === 'DELETE' ? {} : { payload: body }),
      });
      cases++;
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const where = `${method} ${url} ${String(body).slice(0, 120)}`;
      assert.ok(
        response.statusCode < 500,
        `${where}: ${String(response.statusCode)} ${response.body.slice(0, 300)}`,
      );
      if (response.statusCode >= 400) {
        assert.match(String(response.headers['content-type']), /^application\/problem\+json/, where);
        assert.deepEqual(await snapshot(), before, `${where} changed the store`);
      }
      assert.equal(({} as Record<string, unknown>).polluted, undefined, where);
    };
    const urlOf = (path: string, param: string) => path.replace(/\{[A-Za-z]+\}/g, param);

    for (const route of routes) {
      const url = urlOf(route.path, 'fuzz');
      if (route.method === 'GET' || route.method === 'DELETE') {
        for (const query of HOSTILE_QUERIES) await send(route.method, `${url}${query}`);
      } else {
        for (const body of HOSTILE_BODIES) await send(route.method, url, body);
      }
      if (route.path.includes('{'))
        for (const param of HOSTILE_PARAMS) await send(route.method, urlOf(route.path, param), '{}');
    }
    // Random JSON documents and random bytes for every route that takes a body.
    const bodyRoutes = routes.filter((r) => r.method !== 'GET' && r.method !== 'DELETE');
    const randomBody = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }).map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
      fc.string({ unit: 'binary', maxLength: 200 }),
    );
    for (const route of bodyRoutes)
      for (const body of fc.sample(randomBody, { numRuns: 40, seed: 42 }))
        await send(route.method, urlOf(route.path, 'fuzz'), body);

    const health = await t.app.inject({ method: 'GET', url: '/health' });
    assert.equal(health.statusCode, 200);
    ctx.diagnostic(
      `${String(cases)} fuzz cases on ${String(routes.length)} routes; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
    assert.ok(cases >= 2000, String(cases));
  });
});
