import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { apiToken, bearer } from '../support/auth.js';
import { REDIS, requireBinary, requireServers } from '../support/binaries.js';
import { certificate } from '../support/certificate.js';
import { startTestApp, TEST_ADMIN_TOKEN } from '../support/test-app.js';

describe('rate limits', () => {
  it('counts per token and per address without one, answering 429 with Retry-After', async () => {
    const t = await startTestApp({ RATE_LIMIT_MAX: '5', RATE_LIMIT_WINDOW: '60000' });
    try {
      const read = await apiToken(t.app, ['read']);
      const get = (headers: Record<string, string>, remoteAddress = '127.0.0.1') =>
        t.app.inject({ method: 'GET', url: '/api/alerts', headers, remoteAddress });
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await get(bearer(read.token))).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429]);
      const limited = await get(bearer(read.token));
      assert.equal(limited.json<{ code: string }>().code, 'rate_limited');
      assert.ok(Number(limited.headers['retry-after']) > 0);
      assert.match(String(limited.headers['content-type']), /^application\/problem\+json/);
      // Another token has its own budget; so has an address sending no token (401s count too).
      assert.equal((await get(bearer(TEST_ADMIN_TOKEN))).statusCode, 200);
      const anonymous: number[] = [];
      for (let i = 0; i < 6; i++) anonymous.push((await get({ authorization: '' }, '10.1.1.1')).statusCode);
      assert.deepEqual(anonymous, [401, 401, 401, 401, 401, 429]);
    } finally {
      await t.close();
    }
  });

  it('shares the counters between replicas through Redis when REDIS_URL is set', async (ctx) => {
    if (!(await requireServers(ctx, REDIS))) return;
    const env = {
      RATE_LIMIT_MAX: '4',
      REDIS_URL: 'redis://127.0.0.1:6379',
      // Each run its own key prefix in the shared Redis.
      SERVICE_NAME: `rate-test-${randomUUID()}`,
    };
    const first = await startTestApp(env);
    const second = await startTestApp(env);
    try {
      const statuses: number[] = [];
      for (const t of [first, second, first, second, first])
        statuses.push((await t.app.inject({ method: 'GET', url: '/api/alerts' })).statusCode);
      assert.deepEqual(statuses, [200, 200, 200, 200, 429]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('headers, CORS, URL length, proxies', () => {
  it('sends security headers, and the page its content security policy', async () => {
    const t = await startTestApp();
    try {
      const page = await t.app.inject({ method: 'GET', url: '/' });
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /script-src 'self'/);
      assert.doesNotMatch(csp, /upgrade-insecure-requests/, 'plain HTTP: no upgrade of the page requests');
      const api = await t.app.inject({ method: 'GET', url: '/api/alerts' });
      assert.equal(api.headers['x-content-type-options'], 'nosniff');
      assert.equal(api.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(api.headers['access-control-allow-origin'], undefined, 'no CORS without CORS_ORIGINS');
      assert.equal(api.headers['strict-transport-security'], undefined, 'HSTS only over HTTPS');
    } finally {
      await t.close();
    }
  });

  it('answers CORS for the origins of CORS_ORIGINS only', async () => {
    const t = await startTestApp({ CORS_ORIGINS: 'https://grafana.example.com' });
    try {
      const preflight = (origin: string) =>
        t.app.inject({
          method: 'OPTIONS',
          url: '/api/alerts',
          headers: {
            authorization: '',
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'authorization',
          },
        });
      const allowed = await preflight('https://grafana.example.com');
      assert.equal(allowed.statusCode, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://grafana.example.com');
      const other = await preflight('https://evil.example.net');
      assert.equal(other.headers['access-control-allow-origin'], undefined);
    } finally {
      await t.close();
    }
  });

  it('refuses a URL longer than MAX_URL_LENGTH with 414', async () => {
    const t = await startTestApp({ MAX_URL_LENGTH: '512' });
    try {
      const response = await t.app.inject({ method: 'GET', url: `/api/alerts?rule=${'x'.repeat(600)}` });
      assert.equal(response.statusCode, 414);
      assert.equal(response.json<{ code: string }>().code, 'uri_too_long');
    } finally {
      await t.close();
    }
  });

  it('believes X-Forwarded-For only from the proxies of TRUST_PROXY', async () => {
    const audited = async (env: Record<string, string>): Promise<string> => {
      const t = await startTestApp(env);
      try {
        await t.app.inject({
          method: 'POST',
          url: '/api/alerts/silences',
          remoteAddress: '10.0.0.7',
          headers: { 'x-forwarded-for': '203.0.113.9' },
          payload: { matchers: ['alertname="x"'], endsAt: '1h', comment: 'proxy' },
        });
        const log = await t.app.inject({ method: 'GET', url: '/api/audit' });
        return log.json<{ entries: { ip: string }[] }>().entries[0]!.ip;
      } finally {
        await t.close();
      }
    };
    assert.equal(await audited({}), '10.0.0.7');
    assert.equal(await audited({ TRUST_PROXY: '10.0.0.0/8' }), '203.0.113.9');
    assert.equal(await audited({ TRUST_PROXY: '192.168.0.0/16' }), '10.0.0.7');
  });
});

describe('HTTPS', () => {
  it('serves HTTPS directly with TLS_CERT_FILE and TLS_KEY_FILE', async (ctx) => {
    if (!requireBinary(ctx, 'openssl', 'openssl')) return;
    const dir = mkdtempSync(join(tmpdir(), 'metrics-tls-'));
    const { key, cert } = await certificate(dir, 30);
    writeFileSync(join(dir, 'service-key.pem'), key);
    writeFileSync(join(dir, 'service-cert.pem'), cert);
    const t = await startTestApp({
      TLS_CERT_FILE: join(dir, 'service-cert.pem'),
      TLS_KEY_FILE: join(dir, 'service-key.pem'),
    });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (t.app.server.address() as AddressInfo).port;
      const answer = await new Promise<{ status: number; hsts: string | undefined; body: string }>(
        (resolve, reject) => {
          const req = request(
            { host: '127.0.0.1', port, path: '/health', ca: cert, servername: 'localhost' },
            (res) => {
              let body = '';
              res.on('data', (chunk: Buffer) => (body += chunk.toString()));
              res.on('end', () => {
                resolve({
                  status: res.statusCode ?? 0,
                  hsts: res.headers['strict-transport-security'],
                  body,
                });
              });
            },
          );
          req.on('error', reject);
          req.end();
        },
      );
      assert.equal(answer.status, 200);
      assert.match(answer.body, /"status"/);
      assert.match(String(answer.hsts), /max-age=/);
    } finally {
      await t.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
