import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BusinessMetric, Funnel } from '../../src/collectors/business/business-summary.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface BusinessBody {
  windowSeconds: number;
  metrics: BusinessMetric[];
  funnels: Funnel[];
}

/** The seed's business metrics, pushed as a booking site would, then read back with their aggregations. */
describe('business metrics', () => {
  let t: TestApp;
  const now = Date.now();
  before(async () => {
    t = await startTestApp();
    const at = (minutesAgo: number): number => now - minutesAgo * 60_000;
    const metrics = [
      // Bookings created / completed / cancelled, by service: 10 created 2 h ago (outside a 1 h window).
      {
        name: 'bookings_total',
        type: 'counter',
        value: 10,
        labels: { status: 'created', service: 'hotel' },
        timestamp: at(120),
      },
      {
        name: 'bookings_total',
        type: 'counter',
        value: 6,
        labels: { status: 'created', service: 'hotel' },
        timestamp: at(30),
      },
      {
        name: 'bookings_total',
        type: 'counter',
        value: 4,
        labels: { status: 'completed', service: 'hotel' },
        timestamp: at(20),
      },
      {
        name: 'bookings_total',
        type: 'counter',
        value: 1,
        labels: { status: 'cancelled', service: 'hotel' },
        timestamp: at(10),
      },
      // Revenue by service, in euros.
      {
        name: 'revenue_euros_total',
        type: 'counter',
        value: 250.5,
        labels: { service: 'hotel' },
        timestamp: at(30),
        unit: 'euros',
      },
      {
        name: 'revenue_euros_total',
        type: 'counter',
        value: 99.5,
        labels: { service: 'concert' },
        timestamp: at(5),
      },
      // Active users: a gauge.
      { name: 'active_users', type: 'gauge', value: 40, timestamp: at(40) },
      { name: 'active_users', type: 'gauge', value: 60, timestamp: at(1) },
      // Conversion funnel, top step first.
      {
        name: 'funnel_visitors_total',
        type: 'counter',
        value: 1000,
        labels: { step: 'visit' },
        timestamp: at(50),
      },
      {
        name: 'funnel_visitors_total',
        type: 'counter',
        value: 200,
        labels: { step: 'cart' },
        timestamp: at(50),
      },
      {
        name: 'funnel_visitors_total',
        type: 'counter',
        value: 50,
        labels: { step: 'checkout' },
        timestamp: at(50),
      },
      {
        name: 'funnel_visitors_total',
        type: 'counter',
        value: 40,
        labels: { step: 'payment' },
        timestamp: at(50),
      },
      // Satisfaction scores, 1 to 5.
      ...[5, 4, 4, 3, 5].map((score, i) => ({
        name: 'satisfaction_score',
        type: 'histogram',
        value: score,
        buckets: [1, 2, 3, 4, 5],
        timestamp: at(15 - i),
      })),
    ];
    for (const m of metrics) {
      const r = await send(t.app, 'POST', '/api/metrics/business', m);
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  });
  after(async () => {
    await t.close();
  });

  it('gives totals, increases and rates of counters over the window', async () => {
    const { status, body } = await send<BusinessBody>(t.app, 'GET', '/api/metrics/business?window=1h');
    assert.equal(status, 200);
    assert.equal(body.windowSeconds, 3600);
    const bookings = body.metrics.find((m) => m.name === 'bookings_total')!;
    assert.equal(bookings.window.current, 21);
    assert.equal(bookings.window.increase, 11); // the 10 of two hours ago are outside the window
    assert.ok(Math.abs(bookings.window.ratePerSecond! - 11 / 3600) < 1e-9);
    const created = bookings.series.find((s) => s.labels.status === 'created')!;
    assert.deepEqual([created.current, created.increase], [16, 6]);
    const revenue = body.metrics.find((m) => m.name === 'revenue_euros_total')!;
    assert.equal(revenue.window.increase, 350);
    assert.deepEqual(revenue.series.map((s) => [s.labels.service, s.increase]).sort(), [
      ['concert', 99.5],
      ['hotel', 250.5],
    ]);
  });

  it('gives gauges their current, average, min and max, and histograms their percentiles', async () => {
    const { body } = await send<BusinessBody>(t.app, 'GET', '/api/metrics/business?window=1h');
    const users = body.metrics.find((m) => m.name === 'active_users')!;
    assert.deepEqual(
      [users.window.current, users.window.avg, users.window.min, users.window.max],
      [60, 50, 40, 60],
    );
    const satisfaction = body.metrics.find((m) => m.name === 'satisfaction_score')!;
    assert.equal(satisfaction.window.increase, 5);
    assert.ok(Math.abs(satisfaction.window.avg! - 4.2) < 1e-9);
    assert.ok(satisfaction.window.p50! > 3 && satisfaction.window.p50! <= 4);
    assert.ok(satisfaction.window.p95! > 4 && satisfaction.window.p95! <= 5);
  });

  it('turns a metric with a step label into a funnel with conversion ratios', async () => {
    const { body } = await send<BusinessBody>(t.app, 'GET', '/api/metrics/business?window=24h');
    assert.equal(body.funnels.length, 1);
    const funnel = body.funnels[0]!;
    assert.equal(funnel.metric, 'funnel_visitors_total');
    assert.deepEqual(
      funnel.steps.map((s) => [s.step, s.value, s.conversionFromFirst, s.conversionFromPrevious]),
      [
        ['visit', 1000, 1, 1],
        ['cart', 200, 0.2, 0.2],
        ['checkout', 50, 0.05, 0.25],
        ['payment', 40, 0.04, 0.8],
      ],
    );
  });

  it('refuses a bad window with a problem document naming the field', async () => {
    const { status, body } = await send(t.app, 'GET', '/api/metrics/business?window=soon');
    assert.equal(status, 422);
    assert.equal(body.field, 'window');
  });
});
