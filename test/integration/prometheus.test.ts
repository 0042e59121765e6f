import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { poll, startPrometheus } from '../support/prometheus.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('Prometheus exposition against the real promtool and prometheus', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    const r = await send(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        {
          name: 'bookings_created_total',
          type: 'counter',
          value: 3,
          labels: { service: 'concert' },
          help: 'Bookings created',
        },
        {
          name: 'queue_depth',
          value: 12.5,
          labels: { queue: 'emails', note: 'quote " and \\ backslash' },
          unit: 'items',
        },
        {
          name: 'checkout_duration_seconds',
          type: 'histogram',
          value: 0.42,
          unit: 'seconds',
          help: 'Checkout time',
        },
        { name: 'temperature_celsius', value: -3, unit: 'celsius' },
      ],
    });
    assert.equal(r.status, 200);
  });
  after(async () => {
    await t.close();
  });

  it('passes promtool check metrics (text format, lint included)', (ctx) => {
    if (!requireBinary(ctx, 'promtool', 'prometheus')) return;
    return t.app.inject({ method: 'GET', url: '/metrics' }).then((response) => {
      assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      const check = spawnSync('promtool', ['check', 'metrics'], { input: response.body, encoding: 'utf8' });
      assert.equal(check.status, 0, `${check.stdout}${check.stderr}`);
      assert.match(response.body, /^bookings_created_total\{service="concert"\} 3$/m);
      assert.match(
        response.body,
        /^queue_depth\{note="quote \\" and \\\\ backslash",queue="emails"\} 12.5$/m,
      );
      assert.match(response.body, /^checkout_duration_seconds_bucket\{le="0.5"\} 1$/m);
    });
  });

  it('serves OpenMetrics when asked, with counter families without _total and # EOF', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    assert.match(String(response.headers['content-type']), /^application\/openmetrics-text; version=1.0.0/);
    assert.match(response.body, /^# TYPE bookings_created counter$/m);
    assert.match(response.body, /^bookings_created_total\{service="concert"\} 3$/m);
    assert.match(response.body, /^# UNIT checkout_duration_seconds seconds$/m);
    assert.match(response.body, /^# TYPE process_cpu_seconds counter$/m);
    assert.ok(response.body.endsWith('# EOF\n'));
    assert.equal(response.body.match(/^# EOF$/gm)?.length, 1);
  });

  it('is scraped by a real prometheus, which then answers queries on the ingested series', async (ctx) => {
    if (!requireBinary(ctx, 'prometheus', 'prometheus')) return;
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    // METRICS_AUTH (on by default): Prometheus sends a read-scoped API token as its bearer credential.
    const read = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'prometheus', scopes: ['read'] },
    });
    const prometheus = await startPrometheus(
      { 'metrics-service': `127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}` },
      { tokens: { 'metrics-service': read.json<{ token: string }>().token } },
    );
    try {
      const found = await poll(
        async () => (await prometheus.query('bookings_created_total{service="concert"}'))[0]?.value[1],
        30_000,
      );
      assert.equal(found, '3', prometheus.log());
      const targets = (await (await fetch(`${prometheus.url}/api/v1/targets`)).json()) as {
        data: { activeTargets: { health: string; lastError: string }[] };
      };
      assert.deepEqual(
        targets.data.activeTargets.map((x) => [x.health, x.lastError]),
        [['up', '']],
      );
      const histogram = await poll(
        async () => (await prometheus.query('checkout_duration_seconds_count'))[0]?.value[1],
        10_000,
      );
      assert.equal(histogram, '1');
    } finally {
      await prometheus.stop();
    }
  });
});
