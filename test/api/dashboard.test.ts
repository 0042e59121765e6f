import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { json, startTarget, type TargetServer } from '../support/target-server.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Chart {
  type: string;
  step: number;
  series: { name: string; labels: Record<string, string>; points: [number, number][] }[];
}

describe('dashboard API', () => {
  let t: TestApp;
  let target: TargetServer;

  before(async () => {
    target = await startTarget();
    target.route('/ok', json(200, { ok: true }));
    t = await startTestApp({ SYSTEM_COLLECT_INTERVAL: '1000', EGRESS_ALLOWLIST: '127.0.0.1' });
    await send(t.app, 'POST', '/api/health/services', { name: 'api', url: `${target.base}/ok` });
    await send(t.app, 'POST', '/api/health/check', {});
    await send(t.app, 'POST', '/api/alerts/rules', {
      name: 'Too many carts',
      metricName: 'carts_open',
      threshold: 10,
      severity: 'high',
    });
    await send(t.app, 'POST', '/api/metrics/business', { name: 'carts_open', value: 12 });
    await send(t.app, 'POST', '/api/metrics/business', { name: 'orders_total', type: 'counter', value: 3 });
    await t.services.alerting.engine.settled();
    await new Promise((resolve) => setTimeout(resolve, 1200)); // a second system collection: CPU usage
  });
  after(async () => {
    await t.close();
    await target.close();
  });

  it('summary: services by state, alerts by severity, CPU and memory', async () => {
    const r = await send<{
      services: Record<string, number>;
      alerts: { firing: number; bySeverity: Record<string, number> };
      cpuUsageRatio: number | null;
      memoryUsedRatio: number | null;
    }>(t.app, 'GET', '/api/dashboard/summary');
    assert.equal(r.status, 200);
    assert.deepEqual([r.body.services.total, r.body.services.up], [1, 1]);
    assert.equal(r.body.alerts.firing, 1);
    assert.deepEqual(r.body.alerts.bySeverity, { high: 1 });
    assert.ok(r.body.memoryUsedRatio !== null && r.body.memoryUsedRatio > 0 && r.body.memoryUsedRatio < 1);
    assert.ok(r.body.cpuUsageRatio !== null);
  });

  it('realtime: the latest values the socket pushes', async () => {
    const r = await send<{
      system: unknown;
      business: { name: string }[];
      health: { name: string; state: string }[];
      alerts: { ruleName: string; state: string }[];
    }>(t.app, 'GET', '/api/dashboard/realtime');
    assert.ok(r.body.system !== null);
    assert.deepEqual(
      r.body.business.map((b) => b.name),
      ['carts_open', 'orders_total'],
    );
    assert.deepEqual(
      r.body.health.map((h) => [h.name, h.state]),
      [['api', 'up']],
    );
    // The predefined rules watch this machine too (a busy CI host can put High CPU usage in pending).
    assert.deepEqual(
      r.body.alerts.filter((a) => a.state === 'firing').map((a) => a.ruleName),
      ['Too many carts'],
    );
  });

  it('charts: system, business, health and alerts series over a range', async () => {
    const system = await send<Chart>(t.app, 'GET', '/api/dashboard/charts/system?range=5m&step=5s');
    assert.equal(system.status, 200);
    assert.equal(system.body.step, 5000);
    const cpu = system.body.series.find((s) => s.name === 'cpu_usage_ratio');
    assert.ok(cpu !== undefined && cpu.points.some(([, v]) => v >= 0 && v <= 1));
    const business = await send<Chart>(t.app, 'GET', '/api/dashboard/charts/business?range=15m');
    assert.deepEqual(business.body.series.map((s) => s.name).sort(), ['carts_open', 'orders_total']);
    const health = await send<Chart>(t.app, 'GET', '/api/dashboard/charts/health?range=15m');
    assert.ok(health.body.series.some((s) => s.name === 'success_ratio' && s.labels.service === 'api'));
    const alerts = await send<Chart>(t.app, 'GET', '/api/dashboard/charts/alerts?range=10m&step=1m');
    const high = alerts.body.series.find((s) => s.labels.severity === 'high');
    assert.equal(high?.points.at(-1)?.[1], 1);
  });

  it('an unknown chart is a 404 naming the valid ones; too many points a 422', async () => {
    const unknown = await send(t.app, 'GET', '/api/dashboard/charts/weather');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.code, 'chart_not_found');
    assert.match(String(unknown.body.detail), /system, application, business, health, alerts/);
    const dense = await send(t.app, 'GET', '/api/dashboard/charts/system?range=7d&step=1s');
    assert.equal(dense.status, 422);
  });
});
