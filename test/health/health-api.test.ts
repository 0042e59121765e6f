import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { HealthChange } from '../../src/health/health-events.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { REDIS, requireServers } from '../support/binaries.js';

interface Status {
  name: string;
  state: string;
  origin: string;
  consecutiveFailures: number;
  reason: { code: string; message: string } | null;
  lastCheck: { ok: boolean; statusCode?: number; durationMs: number } | null;
  uptime24h: number | null;
}
interface Detail extends Status {
  windows: Record<
    string,
    { checks: number; uptimeRatio: number | null; responseTimeMs: { p95: number } | null }
  >;
  events: { previous: string; state: string; reason: { code: string } | null }[];
}

describe('health checking API', () => {
  let target: TargetServer;
  let t: TestApp;
  const changes: HealthChange[] = [];
  let healthy = true;

  before(async () => {
    target = await startTarget();
    target.route('/health', (_req, res) => {
      if (healthy) json(200, { status: 'ok', checks: { db: 'up' } })(_req, res, '');
      else json(503, { status: 'down' })(_req, res, '');
    });
    target.route('/slow', (_req, res) => setTimeout(() => res.end('ok'), 150));
    target.route('/text', (_req, res) => res.end('service is READY'));
    t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    t.services.bus.on('health.changed', (change) => changes.push(change));
  });
  after(async () => {
    await t.close();
    await target.close();
  });

  const check = async (name: string): Promise<Status> => {
    const r = await send<{ services: Status[] }>(t.app, 'POST', '/api/health/check', { name });
    assert.equal(r.status, 200);
    return r.body.services[0]!;
  };

  it("registers the seed's example verbatim and checks it at once", async () => {
    const r = await send<Status>(t.app, 'POST', '/api/health/services', {
      name: 'custom-service',
      url: `${target.base}/health`,
      interval: 30000,
      timeout: 5000,
      retries: 3,
    });
    assert.equal(r.status, 201);
    assert.equal(r.body.origin, 'api');
    const status = await check('custom-service');
    assert.equal(status.state, 'up');
    assert.equal(status.lastCheck?.statusCode, 200);
    assert.equal(changes.at(-1)?.state, 'up');
    const again = await send(t.app, 'POST', '/api/health/services', {
      name: 'custom-service',
      url: target.base,
    });
    assert.equal(again.status, 409);
    assert.equal(again.body.code, 'service_exists');
  });

  it('turns DOWN only after `retries` failures, with the reason, and UP after one success', async () => {
    healthy = false;
    const first = await check('custom-service');
    assert.equal(first.state, 'up');
    assert.equal(first.consecutiveFailures, 1);
    await check('custom-service');
    const third = await check('custom-service');
    assert.equal(third.state, 'down');
    assert.equal(third.reason?.code, 'status_code');
    assert.match(third.reason.message, /503/);
    const down = changes.at(-1)!;
    assert.deepEqual([down.previous, down.state, down.reason?.code], ['up', 'down', 'status_code']);
    healthy = true;
    assert.equal((await check('custom-service')).state, 'up');
    assert.equal(changes.at(-1)?.state, 'up');
  });

  it('serves uptime, percentiles and the state changes from the roll-ups', async () => {
    const r = await send<Detail>(t.app, 'GET', '/api/health/services/custom-service');
    assert.equal(r.status, 200);
    const day = r.body.windows['24h']!;
    // 5 forced checks (3 failed), plus the scheduler's first check on registration, which may have run.
    assert.ok(day.checks === 5 || day.checks === 6, String(day.checks));
    assert.equal(day.uptimeRatio, (day.checks - 3) / day.checks);
    assert.ok(day.responseTimeMs !== null && day.responseTimeMs.p95 >= 0);
    assert.equal(r.body.uptime24h, day.uptimeRatio);
    assert.deepEqual(r.body.windows['30d'], r.body.windows['7d']);
    assert.deepEqual(
      r.body.events.map((e) => `${e.previous}>${e.state}`),
      ['down>up', 'up>down', 'unknown>up'],
    );
    const missing = await send(t.app, 'GET', '/api/health/services/nope');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.code, 'service_not_found');
  });

  it('exposes blackbox-named series on /metrics', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(text, /^probe_success\{service="custom-service"\} 1$/m);
    assert.match(text, /^probe_http_status_code\{service="custom-service"\} 200$/m);
    assert.match(text, /^probe_duration_seconds\{service="custom-service"\} [0-9.e-]+$/m);
    assert.match(text, /^health_service_last_change_timestamp_seconds\{service="custom-service"\} \d+$/m);
  });

  it('checks keywords, JSON conditions and the degraded threshold', async () => {
    const add = async (body: Record<string, unknown>): Promise<Status> => {
      const r = await send<Status>(t.app, 'POST', '/api/health/services', { retries: 1, ...body });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return check(body.name as string);
    };
    assert.equal((await add({ name: 'kw-ok', url: `${target.base}/text`, keyword: 'READY' })).state, 'up');
    const missing = await add({ name: 'kw-missing', url: `${target.base}/text`, keyword: 'nope' });
    assert.deepEqual([missing.state, missing.reason?.code], ['down', 'keyword_missing']);
    const jsonOk = await add({
      name: 'json-ok',
      url: `${target.base}/health`,
      json: { path: '$.checks.db', value: 'up' },
    });
    assert.equal(jsonOk.state, 'up');
    const jsonBad = await add({
      name: 'json-bad',
      url: `${target.base}/health`,
      json: { path: '$.status', operator: '==', value: 'degraded' },
    });
    assert.deepEqual([jsonBad.state, jsonBad.reason?.code], ['down', 'json_condition']);
    const slow = await add({ name: 'slow', url: `${target.base}/slow`, degradedThreshold: 50 });
    assert.deepEqual([slow.state, slow.reason?.code], ['degraded', 'slow_response']);
    const status = await add({ name: 'expects-404', url: `${target.base}/absent`, expectedStatus: ['4xx'] });
    assert.equal(status.state, 'up');
  });

  it('answers bad definitions with 422 naming the field, and refuses private IP literals', async () => {
    const cases: [Record<string, unknown>, string, string][] = [
      [{ name: 'x', url: 'ftp://example.com' }, 'invalid_service', 'url'],
      [{ name: 'x', url: 'tcp://example.com' }, 'invalid_service', 'url'],
      [{ name: 'x', url: 'http://example.com', interval: 2000, timeout: 5000 }, 'invalid_service', 'timeout'],
      [{ name: 'x', url: 'http://10.0.0.1/health' }, 'egress_denied', 'url'],
      [{ name: 'x', url: 'http://169.254.169.254/latest/meta-data' }, 'egress_denied', 'url'],
      [{ name: 'x', url: 'http://[::1]:80/' }, 'egress_denied', 'url'],
      [{ name: 'x', url: 'http://[::10.0.0.1]/' }, 'egress_denied', 'url'],
      [{ name: 'x', url: 'tcp://[::ffff:0:169.254.169.254]:80' }, 'egress_denied', 'url'],
      [
        { name: 'x', url: 'http://example.com', headers: { Host: 'evil' } },
        'invalid_service',
        'headers.Host',
      ],
      [{ name: 'bad name!', url: 'http://example.com' }, 'validation_failed', 'body.name'],
    ];
    for (const [body, code, field] of cases) {
      const r = await send(t.app, 'POST', '/api/health/services', body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.code, code, JSON.stringify(body));
      assert.equal(r.body.field, field, JSON.stringify(body));
      assert.match(r.contentType, /application\/problem\+json/);
    }
  });

  it('changes services with PUT and PATCH, deletes them with their series', async () => {
    const put = await send<Status & { definition: Record<string, unknown> }>(
      t.app,
      'PUT',
      '/api/health/services/kw-missing',
      { name: 'kw-missing', url: `${target.base}/text`, keyword: 'READY', retries: 1 },
    );
    assert.equal(put.status, 200);
    assert.equal(put.body.definition.keyword, 'READY');
    assert.equal((await check('kw-missing')).state, 'up');
    const patch = await send<{ definition: Record<string, unknown> }>(
      t.app,
      'PATCH',
      '/api/health/services/kw-missing',
      { interval: 60000 },
    );
    assert.equal(patch.status, 200);
    assert.deepEqual(patch.body.definition, {
      name: 'kw-missing',
      url: `${target.base}/text`,
      keyword: 'READY',
      retries: 1,
      interval: 60000,
    });
    assert.equal((await send(t.app, 'DELETE', '/api/health/services/kw-missing')).status, 204);
    assert.equal((await send(t.app, 'DELETE', '/api/health/services/kw-missing')).status, 404);
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.ok(!text.includes('service="kw-missing"'), 'series of a deleted service still exposed');
  });

  it('GET /api/health rolls up this service, its store and the watched services', async () => {
    const r = await send<{
      status: string;
      components: Record<string, string>;
      services: Record<string, number>;
    }>(t.app, 'GET', '/api/health');
    assert.equal(r.status, 200);
    assert.equal(r.body.status, 'down'); // kw-missing is gone, json-bad is DOWN
    assert.deepEqual(r.body.components, { store: 'ok', redis: 'not_configured' });
    assert.equal(r.body.services.down, 1);
    assert.equal(r.body.services.degraded, 1);
    const list = await send<{ services: Status[] }>(t.app, 'GET', '/api/health/services');
    assert.deepEqual(
      list.body.services.map((s) => s.name),
      ['custom-service', 'expects-404', 'json-bad', 'json-ok', 'kw-ok', 'slow'],
    );
  });
});

describe('health checking: egress refusal, services file, restart', () => {
  it('refuses a check to a name resolving to loopback unless allowed', async () => {
    const target = await startTarget();
    const t = await startTestApp({});
    try {
      const r = await send(t.app, 'POST', '/api/health/services', {
        name: 'local',
        url: `http://localhost:${String(target.port)}/`,
        retries: 1,
      });
      assert.equal(r.status, 201);
      const checked = await send<{ services: Status[] }>(t.app, 'POST', '/api/health/check', {
        name: 'local',
      });
      const status = checked.body.services[0]!;
      assert.deepEqual([status.state, status.reason?.code], ['down', 'egress_denied']);
      assert.match(status.reason?.message ?? '', /EGRESS_ALLOWLIST/);
    } finally {
      await t.close();
      await target.close();
    }
  });

  it('loads services from HEALTH_SERVICES_FILE, read-only through the API, and keeps states across restarts', async () => {
    const target = await startTarget();
    target.route('/health', json(200, { ok: true }));
    const first = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    const file = join(first.dataDir, 'services.yml');
    writeFileSync(
      file,
      `services:\n  - name: from-file\n    url: ${target.base}/health\n    interval: 60000\n    retries: 2\n`,
    );
    await first.stop();
    const env = { EGRESS_ALLOWLIST: '127.0.0.1', HEALTH_SERVICES_FILE: file };
    const t = await startTestApp(env, first.dataDir);
    try {
      const list = await send<{ services: Status[] }>(t.app, 'GET', '/api/health/services');
      assert.deepEqual(
        list.body.services.map((s) => [s.name, s.origin]),
        [['from-file', 'file']],
      );
      const put = await send(t.app, 'PATCH', '/api/health/services/from-file', { interval: 5000 });
      assert.equal(put.status, 409);
      assert.equal(put.body.code, 'service_read_only');
      await send(t.app, 'POST', '/api/health/check', {});
      await t.stop();
      const again = await startTestApp(env, first.dataDir);
      try {
        const status = await send<Detail>(again.app, 'GET', '/api/health/services/from-file');
        assert.equal(status.body.state, 'up', 'state restored from the stored events');
        assert.equal(status.body.windows['24h']?.checks, 1, 'roll-ups survive the restart');
      } finally {
        await again.stop();
      }
    } finally {
      await first.close();
      await target.close();
    }
  });

  it('refuses to start on a broken services file, naming the entry and field', async () => {
    const t = await startTestApp({});
    const file = join(t.dataDir, 'bad.yml');
    writeFileSync(file, 'services:\n  - name: a\n    url: http://example.com\n    interval: 10\n');
    await t.stop();
    await assert.rejects(
      startTestApp({ HEALTH_SERVICES_FILE: file }, t.dataDir),
      /HEALTH_SERVICES_FILE .*services\[0\]\.interval/,
    );
    await t.close();
  });
});

describe('health of the service itself: Redis when configured', () => {
  it('checks the Redis of REDIS_URL (the real server on 127.0.0.1:6379) in /ready and /api/health', async (ctx) => {
    if (!(await requireServers(ctx, REDIS))) return;
    const t = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:6379/0' });
    try {
      const overall = await send<{ components: Record<string, string> }>(t.app, 'GET', '/api/health');
      assert.deepEqual(overall.body.components, { store: 'ok', redis: 'ok' });
      const ready = await send<{ checks: Record<string, string> }>(t.app, 'GET', '/ready');
      assert.deepEqual(ready.body.checks, { store: 'ok', redis: 'ok' });
    } finally {
      await t.close();
    }
    const down = await startTestApp({ REDIS_URL: 'redis://127.0.0.1:1/0' });
    try {
      const overall = await send<{ status: string; components: Record<string, string> }>(
        down.app,
        'GET',
        '/api/health',
      );
      assert.equal(overall.body.status, 'down');
      assert.match(overall.body.components.redis ?? '', /^error: /);
      assert.equal((await send(down.app, 'GET', '/ready')).status, 503);
    } finally {
      await down.close();
    }
  });
});
