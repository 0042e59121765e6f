import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startTestApp, type TestApp } from '../support/test-app.js';

/** Numbers sent as JSON strings that coercion used to turn into ±Infinity (issue 15). */
const NOT_FINITE = ['Infinity', '-Infinity', '1e309', '-1e309'];

describe('numbers sent as strings: only finite ones pass validation', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ EGRESS_ALLOWLIST: '' });
  });
  after(async () => {
    await t.close();
  });

  const refused = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const response = await t.app.inject({ method, url, ...(payload === undefined ? {} : { payload }) });
    assert.equal(response.statusCode, 422, `${method} ${url} ${JSON.stringify(payload)}: ${response.body}`);
    assert.match(String(response.headers['content-type']), /^application\/problem\+json/);
    return response.json<{ code: string; field: string; detail: string }>();
  };

  it('health services: interval, timeout, retries', async () => {
    for (const field of ['interval', 'timeout', 'retries', 'retryInterval'])
      for (const value of NOT_FINITE) {
        const problem = await refused('POST', '/api/health/services', {
          name: `svc-${field}`,
          url: 'http://example.com/',
          [field]: value,
        });
        assert.equal(problem.field, `body.${field}`);
        assert.match(problem.detail, /finite/);
      }
    assert.equal(t.services.health.checker.list().length, 0);
  });

  it('API tokens: expiresIn; the list still answers', async () => {
    for (const value of NOT_FINITE)
      await refused('POST', '/api/auth/tokens', { name: 'tk', scopes: ['read'], expiresIn: value });
    const list = await t.app.inject({ method: 'GET', url: '/api/auth/tokens' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), { tokens: [] });
  });

  it('limits of /api/alerts and /api/audit', async () => {
    for (const url of ['/api/alerts', '/api/audit'])
      for (const value of [...NOT_FINITE, 'NaN', '99999999999999999999'])
        await refused('GET', `${url}?limit=${encodeURIComponent(value)}`);
  });

  it('a finite numeric string is still coerced: query strings and bodies', async () => {
    assert.equal((await t.app.inject({ method: 'GET', url: '/api/alerts?limit=5' })).statusCode, 200);
    const created = await t.app.inject({
      method: 'POST',
      url: '/api/health/services',
      payload: { name: 'coerced', url: 'http://example.com/', interval: '60000' },
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json<{ interval: number }>().interval, 60_000);
    await t.app.inject({ method: 'DELETE', url: '/api/health/services/coerced' });
  });

  it('integers beyond 2^53 are refused, not rounded', async () => {
    const problem = await refused('POST', '/api/health/services', {
      name: 'big',
      url: 'http://example.com/',
      retries: 2 ** 60,
    });
    assert.equal(problem.field, 'body.retries');
  });

  it('silences: times out of the Date range, durations longer than it', async () => {
    for (const body of [
      { startsAt: '99999999999999999', endsAt: '2h' },
      { endsAt: '99999999999999999' },
      { endsAt: '+275760-09-13T00:00:00Z' },
      { endsAt: '999999999999w' },
      { endsAt: `${'9'.repeat(400)}d` },
      { startsAt: 'now-999999999999w', endsAt: '1h' },
    ]) {
      const problem = await refused('POST', '/api/alerts/silences', { matchers: ['a="b"'], ...body });
      assert.ok(['startsAt', 'endsAt'].includes(problem.field), JSON.stringify(problem));
    }
    const list = await t.app.inject({ method: 'GET', url: '/api/alerts/silences' });
    assert.equal(list.statusCode, 200);
    assert.deepEqual(list.json(), { silences: [] });
  });

  it('query and chart times out of range are a 422', async () => {
    await t.app.inject({ method: 'POST', url: '/api/metrics/custom', payload: { name: 'q', value: 1 } });
    for (const query of ['start=99999999999999999', 'end=99999999999999999', 'step=99999999999999999']) {
      const problem = await refused('GET', `/api/metrics/query?metric=q&${query}`);
      assert.equal(problem.code, 'invalid_query');
    }
  });
});

describe('rows stored by older versions with non-finite numbers', () => {
  it('a token with an infinite expiry, a service with a null interval, a silence past the Date range, a rule with a null threshold: listings answer 200 after a restart', async () => {
    const first = await startTestApp({ EGRESS_ALLOWLIST: '' });
    const now = Date.now();
    // What JSON.stringify made of a coerced "Infinity" interval and retries.
    await first.services.health.store.saveService(
      'old-service',
      '{"name":"old-service","url":"http://example.com/","interval":null,"retries":null}',
      'api',
      now,
    );
    const silence = {
      id: 'old-silence',
      matchers: ['a="b"'],
      startsAt: 1e17,
      endsAt: null,
      createdBy: 'api',
      comment: '',
      createdAt: now,
    };
    await first.services.alerting.store.saveSilence(silence.id, 1e17, JSON.stringify(silence));
    // A rule whose threshold was "Infinity": JSON wrote null. Read as 0 it would fire on anything.
    await first.services.alerting.store.saveRule({
      id: 'old-rule',
      input: '{"name":"old","metricName":"queue","condition":">","threshold":null,"severity":"warning"}',
      origin: 'api',
      createdAt: now,
      updatedAt: now,
    });
    await first.stop();
    // What an older version wrote for expiresIn "Infinity": SQLite keeps it as a REAL infinity.
    const db = new Database(join(first.dataDir, 'metrics.db'));
    db.prepare(
      `INSERT INTO api_tokens (id, name, hash, scopes, created_by, created_at, expires_at)
       VALUES ('old-token', 'older version', ?, '["read"]', 'admin', ?, ?)`,
    ).run('x'.repeat(64), now, Number.POSITIVE_INFINITY);
    db.close();

    const second = await startTestApp({ EGRESS_ALLOWLIST: '' }, first.dataDir);
    try {
      const tokens = await second.app.inject({ method: 'GET', url: '/api/auth/tokens' });
      assert.equal(tokens.statusCode, 200, tokens.body);
      assert.equal(
        tokens.json<{ tokens: { expiresAt: string }[] }>().tokens[0]?.expiresAt,
        '9999-12-31T23:59:59.999Z',
      );
      const services = await second.app.inject({ method: 'GET', url: '/api/health/services' });
      assert.equal(services.statusCode, 200, services.body);
      const [service] = services.json<{ services: { name: string; interval: number; retries: number }[] }>()
        .services;
      assert.equal(service?.name, 'old-service');
      assert.equal(service.interval, 30_000, 'the default interval');
      assert.equal(service.retries, 3, 'the default retries');
      const silences = await second.app.inject({ method: 'GET', url: '/api/alerts/silences' });
      assert.equal(silences.statusCode, 200, silences.body);
      const [read] = silences.json<{ silences: { startsAt: string; endsAt: string; active: boolean }[] }>()
        .silences;
      assert.equal(read?.startsAt, '9999-12-31T23:59:59.999Z');
      assert.equal(read.active, false, 'a silence with an unreadable time hides no alert');
      const rules = await second.app.inject({ method: 'GET', url: '/api/alerts/rules' });
      assert.equal(rules.statusCode, 200, rules.body);
      assert.ok(!rules.body.includes('old-rule'), 'the rule with no finite threshold is skipped');
    } finally {
      await second.close();
    }
  });
});
