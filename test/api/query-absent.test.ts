import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Result {
  series: { labels: Record<string, string>; points: [number, number][] }[];
}

const MINUTE = 60_000;

/**
 * Issue 19: a range query over a window that starts before a series existed answered zeros for that
 * time (a fresh dashboard drew an hour of flat zeros). As in Prometheus, absent stays absent.
 */
describe('range queries before a series existed', () => {
  let t: TestApp;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - 10 * MINUTE;
  const born = end - 3 * MINUTE;

  before(async () => {
    t = await startTestApp();
    const metrics: unknown[] = [];
    for (let ts = born; ts <= end; ts += MINUTE) {
      metrics.push({ name: 'new_total', type: 'counter', value: 60, labels: { route: '/a' }, timestamp: ts });
      metrics.push({ name: 'new_gauge', value: 5, timestamp: ts });
      metrics.push({
        name: 'new_seconds',
        type: 'histogram',
        value: 0.2,
        buckets: [0.1, 0.5],
        timestamp: ts,
      });
    }
    // A second route born one minute later: grouped sums start where the first member starts.
    metrics.push({
      name: 'new_total',
      type: 'counter',
      value: 30,
      labels: { route: '/b' },
      timestamp: born + MINUTE,
    });
    const r = await send(t.app, 'POST', '/api/metrics/batch', { metrics });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await t.close();
  });

  const query = async (qs: string) => {
    const r = await send<Result>(
      t.app,
      'GET',
      `/api/metrics/query?start=${start}&end=${end}&step=60s&window=60s&${qs}`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    return r.body.series;
  };
  const times = (points: [number, number][]) => points.map(([at]) => at);
  const fromBirth = (first: number) => {
    const out: number[] = [];
    for (let at = first; at <= end; at += MINUTE) out.push(at);
    return out;
  };

  it('gives counters no rate or increase before their first sample', async () => {
    for (const fn of ['rate', 'increase']) {
      const series = await query(`metric=new_total&fn=${fn}&match=route%3D%22%2Fa%22`);
      assert.equal(series.length, 1);
      assert.deepEqual(times(series[0]!.points), fromBirth(born), fn);
      assert.ok(
        series[0]!.points.every(([, v]) => v > 0),
        `${fn}: no invented zero`,
      );
    }
  });

  it('sums a group only from its first member sample on', async () => {
    const [group] = await query('metric=new_total&fn=increase&by=');
    assert.deepEqual(times(group!.points), fromBirth(born));
    assert.equal(group!.points[0]![1], 60, 'only /a existed at its first step');
    assert.equal(group!.points[1]![1], 90, '/b joins with its first increase');
  });

  it('gives histograms no rate, count or quantile before their first sample', async () => {
    for (const fn of ['rate', 'count', 'p95', 'avg']) {
      const series = await query(`metric=new_seconds&fn=${fn}`);
      assert.equal(series.length, 1, fn);
      assert.deepEqual(times(series[0]!.points), fromBirth(born), fn);
    }
  });

  it('gives gauges no value before their first sample', async () => {
    const [series] = await query('metric=new_gauge&fn=last');
    assert.deepEqual(times(series!.points), fromBirth(born));
  });

  it('leaves a series with no point in the range out of the answer, as Prometheus does', async () => {
    const r = await send<Result>(
      t.app,
      'GET',
      `/api/metrics/query?metric=new_total&fn=rate&start=${start - 60 * MINUTE}&end=${start}&step=60s`,
    );
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.series, []);
  });
});
