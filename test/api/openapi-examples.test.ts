import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PUSH_MONITOR } from '../../src/http/openapi-examples.js';
import { bearer } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { totpCode } from '../support/totp-codes.js';

interface Parameter {
  in: string;
  name: string;
  required?: boolean;
  example?: unknown;
  schema?: { default?: unknown };
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { example?: unknown }> };
}

/**
 * Every documented operation, in the order that creates what later ones name (as a reader trying the
 * examples one after the other in Swagger UI would). A new operation fails the coverage check below
 * until it is placed here, which is the reminder to give it an example.
 */
const ORDER = [
  'GET /health',
  'GET /ready',
  'GET /metrics',
  'POST /api/auth/users',
  'GET /api/auth/users',
  'POST /api/auth/login',
  'POST /api/auth/refresh',
  'GET /api/auth/2fa',
  'POST /api/auth/2fa/totp',
  'POST /api/auth/2fa/totp/confirm',
  'POST /api/auth/2fa/recovery-codes',
  'POST /api/auth/2fa/totp/disable',
  'POST /api/auth/logout',
  'POST /api/auth/password',
  'PATCH /api/auth/users/{name}',
  'GET /api/auth/me',
  'POST /api/auth/tokens',
  'GET /api/auth/tokens',
  'DELETE /api/auth/tokens/{id}',
  'POST /api/metrics/custom',
  'POST /api/metrics/business',
  'POST /api/metrics/batch',
  'POST /api/v1/write',
  'PUT /metrics/job/{job}',
  'POST /metrics/job/{job}',
  'POST /v1/metrics',
  'POST /otlp/v1/metrics',
  'GET /api/metrics/summary',
  'GET /api/metrics/query',
  'GET /api/v1/query',
  'POST /api/v1/query',
  'GET /api/v1/query_range',
  'POST /api/v1/query_range',
  'GET /api/v1/format_query',
  'POST /api/v1/format_query',
  'GET /api/v1/series',
  'POST /api/v1/series',
  'GET /api/v1/labels',
  'POST /api/v1/labels',
  'GET /api/v1/label/{name}/values',
  'GET /api/v1/metadata',
  'GET /api/v1/status/buildinfo',
  'GET /api/v1/rules',
  'GET /api/v1/alerts',
  'PUT /api/alerts/rule-groups',
  'GET /api/alerts/rule-groups',
  'GET /api/metrics/business',
  'GET /api/metrics/system',
  'GET /api/metrics/application',
  'POST /api/health/services',
  'GET /api/health/services',
  'GET /api/health/services/{name}',
  'PUT /api/health/services/{name}',
  'PATCH /api/health/services/{name}',
  'POST /api/health/check',
  'GET /api/health/services/{name}/heartbeats',
  'GET /api/health/services/{name}/report',
  'POST /api/health/services/{name}/pause',
  'POST /api/health/services/{name}/resume',
  'POST /api/health/services/{name}/push-token',
  'GET /api/push/{token}',
  'POST /api/push/{token}',
  'POST /api/status-pages',
  'GET /api/status-pages',
  'GET /api/status-pages/{slug}',
  'PUT /api/status-pages/{slug}',
  'POST /api/status-pages/{slug}/incidents',
  'GET /api/status-pages/{slug}/incidents',
  'POST /api/status-pages/{slug}/incidents/{id}/updates',
  'POST /api/maintenance',
  'GET /api/maintenance',
  'PUT /api/maintenance/{id}',
  'GET /api/status/{slug}',
  'GET /status/{slug}',
  'GET /status/{slug}/feed.atom',
  'GET /badge/{service}/status',
  'GET /badge/{service}/uptime',
  'DELETE /api/maintenance/{id}',
  'DELETE /api/status-pages/{slug}/incidents/{id}',
  'DELETE /api/status-pages/{slug}',
  'GET /api/health',
  'POST /api/alerts/channels',
  'GET /api/alerts/channels',
  'GET /api/alerts/channels/{name}',
  'PUT /api/alerts/channels/{name}',
  'POST /api/alerts/rules',
  'GET /api/alerts/rules',
  'GET /api/alerts/rules/{id}',
  'PUT /api/alerts/rules/{id}',
  'POST /api/alerts/alertmanager',
  'GET /api/alerts',
  'GET /api/alerts/{id}',
  'POST /api/alerts/{id}/acknowledge',
  'POST /api/alerts/silences',
  'GET /api/alerts/silences',
  'POST /api/alerts/{id}/resolve',
  'GET /api/alerts/{id}/timeline',
  'DELETE /api/alerts/silences/{id}',
  'GET /api/dashboard/summary',
  'GET /api/dashboard/realtime',
  'GET /api/dashboard/charts/{type}',
  'GET /api/audit',
  'DELETE /api/alerts/rules/{id}',
  'DELETE /api/alerts/channels/{name}',
  'DELETE /api/health/services/{name}',
  'DELETE /api/auth/users/{name}/2fa',
  'DELETE /api/auth/users/{name}',
  'DELETE /metrics/job/{job}',
];

/** Issue 15, item 11: every request example of the OpenAPI document is accepted as it is written. */
describe('the OpenAPI examples', () => {
  let t: TestApp;
  let paths: Record<string, Record<string, Operation>>;
  before(async () => {
    t = await startTestApp();
    const doc = await t.app.inject({ method: 'GET', url: '/api-docs/json' });
    paths = doc.json<{ paths: typeof paths }>().paths;
  });
  after(async () => {
    await t.close();
  });

  const operation = (key: string): Operation => {
    const [method, path] = key.split(' ') as [string, string];
    const found = paths[path]?.[method.toLowerCase()];
    assert.ok(found, `${key} is documented`);
    return found;
  };

  it('gives every body and every required parameter an example, and omits timestamps', () => {
    const documented = Object.entries(paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
    );
    assert.deepEqual([...documented].sort(), [...ORDER].sort(), 'ORDER lists every documented operation');
    for (const key of ORDER) {
      const op = operation(key);
      const media = op.requestBody?.content?.['application/json'];
      if (media !== undefined) {
        assert.ok(media.example !== undefined, `${key}: a body example`);
        assert.ok(!JSON.stringify(media.example).includes('"timestamp"'), `${key}: no fixed timestamp`);
      }
      for (const p of op.parameters ?? [])
        if (p.required === true && p.schema?.default === undefined)
          assert.ok(p.example !== undefined, `${key}: an example for ${p.in} parameter ${p.name}`);
    }
  });

  it('accepts each example as is, in an order that creates what later ones name', async () => {
    /** Ids the service made up, from the answers that created them (the examples say where from). */
    const made: Record<string, string> = {};
    let alice = { access: '', refresh: '' };
    const refused: string[] = [];
    for (const key of ORDER) {
      const [method, template] = key.split(' ') as [string, string];
      const op = operation(key);
      let url = template.replace(/\{(\w+)\}/g, (_m, name: string) => {
        const example = op.parameters?.find((p) => p.in === 'path' && p.name === name)?.example;
        const placed = name === 'id' ? made[idKind(template)] : name === 'token' ? made.pushToken : undefined;
        return encodeURIComponent(placed ?? String(example));
      });
      const query = (op.parameters ?? []).filter((p) => p.in === 'query' && p.example !== undefined);
      if (query.length > 0)
        url += `?${new URLSearchParams(query.map((p): [string, string] => [p.name, String(p.example)])).toString()}`;
      let body = op.requestBody?.content?.['application/json']?.example as
        Record<string, unknown> | undefined;
      let headers: Record<string, string> = {};
      // Tokens are never in a document: the refresh token and alice's login are what login answered.
      if (key === 'POST /api/auth/refresh' || key === 'POST /api/auth/logout')
        body = { ...body, refreshToken: alice.refresh };
      if (key === 'POST /api/auth/password' || (key.includes('/api/auth/2fa') && !key.startsWith('DELETE')))
        headers = bearer(alice.access);
      // Codes are never in a document either: what alice's app shows now, then her recovery codes.
      if (key === 'POST /api/auth/2fa/totp/confirm')
        body = { code: totpCode(made.totpSecret ?? '', Date.now()) };
      if (key === 'POST /api/auth/2fa/recovery-codes') body = { code: made.recoveryCode ?? '' };
      if (key === 'POST /api/auth/2fa/totp/disable') body = { code: made.recoveryCode ?? '' };

      // The push monitor the push routes' examples name, created as the README shows; its token is in the
      // answer (tokens are never in a document).
      if (key === 'POST /api/health/services/{name}/push-token') {
        const created = await t.app.inject({
          method: 'POST',
          url: '/api/health/services',
          payload: PUSH_MONITOR,
        });
        assert.equal(created.statusCode, 201, created.body);
        made.pushToken = created.json<{ pushToken: string }>().pushToken;
      }
      const r = await t.app.inject({
        method: method as 'GET',
        url,
        headers,
        ...(body === undefined ? {} : { payload: body }),
      });
      if (r.statusCode >= 400) refused.push(`${key} → ${String(r.statusCode)} ${r.body}`);
      if (r.statusCode >= 400 || r.body === '' || !String(r.headers['content-type']).includes('json'))
        continue;
      const answer = r.json<Record<string, unknown>>();
      if (key === 'POST /api/auth/login' || key === 'POST /api/auth/refresh')
        alice = { access: String(answer.accessToken), refresh: String(answer.refreshToken) };
      if (key === 'POST /api/auth/2fa/totp') made.totpSecret = String(answer.secret);
      if (key === 'POST /api/auth/2fa/totp/confirm') {
        const session = answer.session as { accessToken: string; refreshToken: string };
        alice = { access: session.accessToken, refresh: session.refreshToken };
      }
      if (key === 'POST /api/auth/2fa/totp/confirm' || key === 'POST /api/auth/2fa/recovery-codes')
        made.recoveryCode = (answer.recoveryCodes as string[])[0] ?? '';
      if (key === 'POST /api/auth/tokens') made.token = String(answer.id);
      // Rotated: the token the push examples send next.
      if (key === 'POST /api/health/services/{name}/push-token') made.pushToken = String(answer.token);
      if (key === 'POST /api/alerts/rules') made.rule = String(answer.id);
      if (key === 'POST /api/alerts/silences') made.silence = String(answer.id);
      if (key === 'POST /api/status-pages/{slug}/incidents') made.incident = String(answer.id);
      if (key === 'POST /api/maintenance') made.maintenance = String(answer.id);
      if (key === 'POST /api/alerts/alertmanager') {
        await t.services.alerting.engine.settled();
        made.alert =
          t.services.alerting.engine.activeAlerts().find((a) => a.ruleId === 'alertmanager')?.id ?? '';
      }
    }
    assert.deepEqual(refused, []);
  });
});

/** Which made-up id an `{id}` of this path names. */
function idKind(template: string): string {
  if (template.startsWith('/api/auth/tokens/')) return 'token';
  if (template.startsWith('/api/alerts/rules/')) return 'rule';
  if (template.startsWith('/api/alerts/silences/')) return 'silence';
  if (template.startsWith('/api/status-pages/')) return 'incident';
  if (template.startsWith('/api/maintenance/')) return 'maintenance';
  return 'alert';
}
