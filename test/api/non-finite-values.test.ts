import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { io, type Socket } from 'socket.io-client';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/**
 * ADR 0008: a gauge holds NaN and ±Inf as Prometheus does, a counter's running total can overflow to
 * +Inf; every view reads them without a 500, JSON answers writing them "NaN", "+Inf", "-Inf".
 */
describe('non-finite sample values through every view', () => {
  let t: TestApp;
  let url = '';

  const get = async (path: string) => {
    const response = await t.app.inject({ method: 'GET', url: path });
    assert.equal(response.statusCode, 200, `${path}: ${response.body.slice(0, 300)}`);
    return response;
  };
  const push = async (path: string, payload: object) => {
    const response = await t.app.inject({ method: 'POST', url: path, payload });
    assert.equal(response.statusCode, 200, `${path} ${JSON.stringify(payload)}: ${response.body}`);
    return response.json<{ value: unknown }>();
  };

  before(async () => {
    t = await startTestApp({ WEBSOCKET_BROADCAST_INTERVAL: '100' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
    for (const [value, shop] of [
      ['NaN', 'nan'],
      ['+Inf', 'up'],
      ['-Inf', 'down'],
    ] as const) {
      const echo = await push('/api/metrics/custom', { name: 'queue_gauge', value, labels: { shop } });
      assert.equal(echo.value, value, 'the answer spells it as it was sent');
      await push('/api/metrics/business', { name: 'basket_value', value, labels: { shop } });
    }
    // Two finite increments whose sum overflows: the counter's total is +Inf, as a float64 would be.
    await push('/api/metrics/custom', { name: 'big_total', type: 'counter', value: 1.7e308 });
    const overflow = await push('/api/metrics/custom', {
      name: 'big_total',
      type: 'counter',
      value: 1.7e308,
    });
    assert.equal(overflow.value, '+Inf');
  });
  after(async () => {
    await t.close();
  });

  it('refuses non-finite counter increments and histogram observations', async () => {
    for (const payload of [
      { name: 'c_total', type: 'counter', value: '+Inf' },
      { name: 'c_total', type: 'counter', value: 'NaN' },
      { name: 'h', type: 'histogram', value: '-Inf' },
      { name: 'h', type: 'histogram', value: 'NaN' },
    ]) {
      const response = await t.app.inject({ method: 'POST', url: '/api/metrics/custom', payload });
      assert.equal(response.statusCode, 422, response.body);
      assert.equal(response.json<{ code: string }>().code, 'invalid_value');
    }
    assert.equal(t.services.reader.family('c_total'), undefined, 'nothing stored');
  });

  it('the summary', async () => {
    const body = (await get('/api/metrics/summary')).json<{
      metrics: {
        name: string;
        series: { labels: Record<string, string>; value: unknown }[];
        total: unknown;
      }[];
    }>();
    const gauge = body.metrics.find((m) => m.name === 'queue_gauge');
    const values = Object.fromEntries(
      gauge?.series.map((s): [string, unknown] => [s.labels.shop ?? '', s.value]) ?? [],
    );
    assert.deepEqual(values, { nan: 'NaN', up: '+Inf', down: '-Inf' });
    assert.equal(gauge?.total, 'NaN');
    assert.equal(body.metrics.find((m) => m.name === 'big_total')?.total, '+Inf');
  });

  it('the business figures and chart', async () => {
    await get('/api/metrics/business');
    await get('/api/metrics/business?window=1h');
    await get('/api/dashboard/charts/business');
  });

  it('range queries, with and without window functions', async () => {
    for (const query of [
      'metric=queue_gauge',
      'metric=queue_gauge&fn=avg&by=shop',
      'metric=queue_gauge&fn=max',
      'metric=queue_gauge&fn=sum',
      'metric=big_total',
      'metric=big_total&fn=rate',
      'metric=big_total&fn=increase',
      'metric=basket_value&fn=min',
    ])
      await get(`/api/metrics/query?${query}`);
    const body = (await get('/api/metrics/query?metric=queue_gauge&match=shop%3D%22up%22')).json<{
      series: { points: [number, unknown][] }[];
    }>();
    assert.equal(body.series[0]?.points.at(-1)?.[1], '+Inf');
  });

  it('the dashboard and every chart', async () => {
    await get('/api/dashboard/summary');
    await get('/api/dashboard/realtime');
    for (const type of ['system', 'application', 'business', 'health', 'alerts'])
      await get(`/api/dashboard/charts/${type}`);
  });

  it('the /metrics exposition', async () => {
    const text = (await get('/metrics')).body;
    assert.match(text, /^queue_gauge\{shop="nan"\} NaN/m);
    assert.match(text, /^queue_gauge\{shop="up"\} \+Inf/m);
    assert.match(text, /^queue_gauge\{shop="down"\} -Inf/m);
    assert.match(text, /^big_total \+Inf/m);
  });

  it('alert evaluation: +Inf is above any threshold, NaN above none; the alert lists answer', async () => {
    for (const [name, shop] of [
      ['Queue up', 'up'],
      ['Queue nan', 'nan'],
    ]) {
      const rule = await t.app.inject({
        method: 'POST',
        url: '/api/alerts/rules',
        payload: {
          name,
          metricName: 'queue_gauge',
          matchers: [`shop="${String(shop)}"`],
          condition: '>',
          threshold: 100,
          severity: 'warning',
        },
      });
      assert.equal(rule.statusCode, 201, rule.body);
    }
    await t.services.alerting.engine.evaluateAll();
    const alerts = (await get('/api/alerts')).json<{ alerts: { ruleName: string; value: unknown }[] }>()
      .alerts;
    const up = alerts.find((a) => a.ruleName === 'Queue up');
    assert.ok(up, JSON.stringify(alerts));
    assert.equal(up.value, '+Inf');
    assert.equal(
      alerts.find((a) => a.ruleName === 'Queue nan'),
      undefined,
    );
    await get('/api/alerts/rules');
  });

  it('sockets: a subscribed client receives the values as text', async () => {
    const socket: Socket = io(url, { auth: { token: TEST_ADMIN_TOKEN } });
    try {
      await socket.emitWithAck('subscribe', { type: 'metric', name: 'queue_gauge' });
      const received = new Promise<unknown>((resolve) => socket.once('metrics', resolve));
      await push('/api/metrics/custom', { name: 'queue_gauge', value: '-Inf', labels: { shop: 'up' } });
      const payload = JSON.stringify(await received);
      assert.match(payload, /"-Inf"/, payload);
    } finally {
      socket.close();
    }
  });

  it('reads the same after a restart (values recovered from the store)', async () => {
    await t.stop();
    t = await startTestApp({}, t.dataDir);
    const body = (await get('/api/metrics/summary?name=queue_gauge')).json<{
      metrics: { series: { labels: Record<string, string>; value: unknown }[] }[];
    }>();
    const values = Object.fromEntries(
      body.metrics[0]?.series.map((s): [string, unknown] => [s.labels.shop ?? '', s.value]) ?? [],
    );
    assert.deepEqual(values, { nan: 'NaN', up: '-Inf', down: '-Inf' });
    await get('/api/metrics/query?metric=big_total&fn=rate');
    await get('/api/metrics/business');
  });
});
