import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { apiToken, bearer } from '../support/auth.js';
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

/** Numbers and times made to hurt: non-finite as strings, beyond float64, beyond 2^53, beyond Date's range. */
const HOSTILE_NUMBERS: unknown[] = [
  'Infinity',
  '-Infinity',
  'NaN',
  '1e309',
  '-1e309',
  '+Inf',
  '-Inf',
  1e308,
  -1e308,
  '99999999999999999',
  2 ** 60,
  -(2 ** 60),
  Number.MAX_SAFE_INTEGER + 2,
  8.64e15 + 1,
  -8.64e15 - 1,
  -1,
  0,
  0.5,
  '',
  '0x10',
  ' 1 ',
  '+275760-09-13T00:00:00Z',
  '-000001-01-01T00:00:00Z',
  '9999-12-31T23:59:60Z',
  'now-99999999999w',
  `${'9'.repeat(400)}d`,
  '999999999999999999999w',
];

/** String fields that hold a time or a duration although their schema says only "string". */
const TIME_FIELD = /^(start|end|from|to|step|window|range|startsAt|endsAt|timestamp|for)$/;

interface OpenApiSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  properties?: Record<string, OpenApiSchema>;
  required?: string[];
  items?: OpenApiSchema;
  anyOf?: OpenApiSchema[];
  oneOf?: OpenApiSchema[];
  enum?: unknown[];
  const?: unknown;
  examples?: unknown[];
  minimum?: number;
  minItems?: number;
  pattern?: string;
}
interface Operation {
  parameters?: { in: 'path' | 'query'; name: string; required?: boolean; schema: OpenApiSchema }[];
  requestBody?: { content?: Record<string, { schema?: OpenApiSchema }> };
}
interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, OpenApiSchema> };
}

describe('fuzz: hostile input on every route', () => {
  let t: TestApp;
  const routes: Route[] = [];
  let document: OpenApiDocument;

  before(async () => {
    t = await startTestApp({ EGRESS_ALLOWLIST: '' });
    document = (await t.app.inject({ method: 'GET', url: '/api-docs/json' })).json<OpenApiDocument>();
    for (const [path, operations] of Object.entries(document.paths))
      for (const method of Object.keys(operations))
        if (method !== 'head') routes.push({ method: method.toUpperCase() as Route['method'], path });
  });
  after(async () => {
    await t.close();
  });

  /** What the service holds: a refused request must leave every count as it was. */
  const snapshot = async () => ({
    families: t.services.reader.familyCount,
    series: t.services.reader.activeSeries,
    rules: t.services.alerting.rules.list().length,
    services: t.services.health.checker.list().length,
    channels: t.services.alerting.channels.list().length,
    silences: t.services.alerting.silences.list().length,
    users: (await t.services.auth.users.list()).length,
    tokens: (await t.services.auth.apiTokens.list()).length,
  });

  /** OTLP/HTTP's routes, whose refusals OTLP specifies (a google.rpc.Status). */
  const OTLP_PATH = /^(\/otlp)?\/v1\/metrics(\?|$)/;
  let cases = 0;
  const statuses = new Map<number, number>();
  /** One request, and the invariants: below 500; when refused, a problem document and nothing stored. */
  const send = async (
    method: Route['method'],
    url: string,
    body?: string | Buffer,
    headers: Record<string, string> = {},
  ): Promise<number> => {
    const before = await snapshot();
    const response = await t.app.inject({
      method,
      url,
      headers: { 'content-type': 'application/json', ...headers },
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
      // OTLP/HTTP refuses with a google.rpc.Status in the request's encoding, as OTLP specifies (ADR 0017);
      // Prometheus' HTTP API answers its own error envelope (what Grafana and PromQL tools read); what
      // Fastify refuses before the handler (a body it cannot parse) is still a problem.
      const type = String(response.headers['content-type']);
      if (url.startsWith('/api/v1/') && type.startsWith('application/json')) {
        const envelope = response.json<{ status?: string; errorType?: string }>();
        assert.ok(envelope.status === 'error' && typeof envelope.errorType === 'string', where);
      } else {
        const refusalType = OTLP_PATH.test(url)
          ? /^application\/(problem\+json|json|x-protobuf)/
          : /^application\/problem\+json/;
        assert.match(type, refusalType, where);
      }
      assert.deepEqual(await snapshot(), before, `${where} changed the store`);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, where);
    return response.statusCode;
  };
  const urlOf = (path: string, param: string) => path.replace(/\{[A-Za-z]+\}/g, param);

  it('never answers 5xx, never crashes, never stores what it refuses, never pollutes prototypes', async (ctx) => {
    cases = 0;
    statuses.clear();

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

  /** A schema's $ref resolved against the document's components. */
  const resolve = (schema: OpenApiSchema): OpenApiSchema =>
    schema.$ref === undefined
      ? schema
      : (document.components?.schemas?.[schema.$ref.split('/').at(-1)!] ?? {});

  /** A plausible valid value for a schema: what the hostile value is planted in. */
  const plausible = (raw: OpenApiSchema): unknown => {
    const schema = resolve(raw);
    if (schema.const !== undefined) return schema.const;
    if (schema.enum !== undefined) return schema.enum[0];
    const alternatives = schema.anyOf ?? schema.oneOf;
    if (alternatives !== undefined) return plausible(alternatives[0]!);
    if (schema.examples !== undefined && typeof schema.examples[0] !== 'object') return schema.examples[0];
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    if (type === 'number' || type === 'integer') return schema.minimum ?? 1;
    if (type === 'boolean') return false;
    if (type === 'array') return [plausible(schema.items ?? {})];
    if (type === 'object')
      return Object.fromEntries(
        (schema.required ?? []).map((name) => [name, plausible(schema.properties?.[name] ?? {})]),
      );
    return schema.format === 'date-time' ? new Date().toISOString() : 'fuzz1';
  };

  /** Paths to every numeric, integer and time field of a schema (array items at index 0). */
  const numericFields = (raw: OpenApiSchema, at: (string | number)[] = []): (string | number)[][] => {
    const schema = resolve(raw);
    const types = ([] as string[]).concat(schema.type ?? []);
    const name = at.at(-1);
    const own =
      types.includes('number') ||
      types.includes('integer') ||
      schema.format === 'date-time' ||
      (typeof name === 'string' && TIME_FIELD.test(name))
        ? [at]
        : [];
    return [
      ...own,
      ...Object.entries(schema.properties ?? {}).flatMap(([key, sub]) => numericFields(sub, [...at, key])),
      ...(schema.items === undefined ? [] : numericFields(schema.items, [...at, 0])),
      ...(schema.anyOf ?? schema.oneOf ?? []).flatMap((sub) =>
        own.length > 0 ? [] : numericFields(sub, at),
      ),
    ].filter((path, i, all) => all.findIndex((p) => p.join('.') === path.join('.')) === i);
  };

  const planted = (base: unknown, path: (string | number)[], value: unknown): unknown => {
    const copy = structuredClone(base) as Record<string | number, unknown>;
    let node = copy;
    path.slice(0, -1).forEach((key, i) => {
      // An optional object or list the plausible body left out.
      node[key] ??= typeof path[i + 1] === 'number' ? [] : {};
      node = node[key] as Record<string | number, unknown>;
    });
    node[path.at(-1)!] = value;
    return copy;
  };

  interface Target {
    method: Route['method'];
    where: string;
    request: (value: unknown) => { url: string; body?: string };
  }

  /** One target per numeric or time field of every operation: its path and query parameters and its body. */
  const targets = (): Target[] => {
    const out: Target[] = [];
    for (const [path, operations] of Object.entries(document.paths))
      for (const [verb, operation] of Object.entries(operations)) {
        const method = verb.toUpperCase() as Route['method'];
        const parameters = operation.parameters ?? [];
        const values = new Map(parameters.map((p) => [p.name, String(plausible(p.schema))]));
        const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
        const body = bodySchema === undefined ? undefined : plausible(bodySchema);
        const urlWith = (name?: string, value?: unknown) => {
          const params = new Map(values);
          if (name !== undefined) params.set(name, String(value));
          const url = path.replace(/\{([A-Za-z]+)\}/g, (_m, p: string) => encodeURIComponent(params.get(p)!));
          const query = parameters
            .filter((p) => p.in === 'query' && (p.required === true || p.name === name))
            .map((p) => `${p.name}=${encodeURIComponent(params.get(p.name)!)}`)
            .join('&');
          return query === '' ? url : `${url}?${query}`;
        };
        const withBody = body === undefined ? {} : { body: JSON.stringify(body) };
        for (const parameter of parameters)
          if (numericFields(parameter.schema, [parameter.name]).length > 0)
            out.push({
              method,
              where: `${verb} ${path} ${parameter.in} ${parameter.name}`,
              request: (value) => ({ url: urlWith(parameter.name, value), ...withBody }),
            });
        if (bodySchema !== undefined)
          for (const field of numericFields(bodySchema))
            out.push({
              method,
              where: `${verb} ${path} body ${field.join('.')}`,
              request: (value) => ({ url: urlWith(), body: JSON.stringify(planted(body, field, value)) }),
            });
      }
    return out;
  };

  it('property: every numeric and time field of every route, driven with non-finite and out-of-range values, answers < 500 and stores nothing it refuses', async (ctx) => {
    cases = 0;
    statuses.clear();
    // Something to point queries and path parameters at (plausible() names things "fuzz1").
    await t.app.inject({ method: 'POST', url: '/api/metrics/custom', payload: { name: 'fuzz1', value: 1 } });
    const ingest = bearer((await apiToken(t.app, ['ingest'])).token);
    const all = targets();
    const fieldCount = all.length;
    assert.ok(fieldCount >= 30, `only ${String(fieldCount)} numeric fields found in the OpenAPI document`);

    const drive = async (target: Target, value: unknown) => {
      const { url, body } = target.request(value);
      await send(target.method, url, body);
      if (url.startsWith('/api/metrics/') && target.method === 'POST')
        await send(target.method, url, body, ingest);
    };
    for (const target of all) for (const value of HOSTILE_NUMBERS) await drive(target, value);

    const hostile = fc.oneof(
      fc.constantFrom(...HOSTILE_NUMBERS),
      fc.double(),
      fc.double().map(String),
      fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
      fc.integer().map((n) => `now-${String(Math.abs(n))}w`),
      fc
        .date({ noInvalidDate: false })
        .map((d) => (Number.isNaN(d.getTime()) ? 'Invalid Date' : d.toISOString())),
    );
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...all), hostile, async (target, value) => {
        await drive(target, value);
      }),
      { numRuns: 600, seed: 15 },
    );

    // Whatever was accepted must read back: every listing answers, before and after a restart.
    const listings = routes.filter((r) => r.method === 'GET' && !r.path.includes('{'));
    for (const route of listings) await send('GET', route.path);
    await t.stop();
    t = await startTestApp({ EGRESS_ALLOWLIST: '' }, t.dataDir);
    for (const route of listings) await send('GET', route.path);
    ctx.diagnostic(
      `${String(cases)} cases on ${String(fieldCount)} numeric and time fields; statuses ${JSON.stringify(Object.fromEntries(statuses))}`,
    );
  });
});
