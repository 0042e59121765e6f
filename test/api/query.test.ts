import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { send } from '../support/http.js';

interface Result {
  fn: string;
  series: { labels: Record<string, string>; points: [number, number][] }[];
}

const MINUTE = 60_000;

describe('range query API', () => {
  let t: TestApp;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - 10 * MINUTE;

  before(async () => {
    t = await startTestApp();
    const metrics: unknown[] = [];
    for (let i = 0; i <= 10; i++) {
      const ts = start + i * MINUTE;
      // two routes: /a gets 60 requests a minute, /b 120; a gauge ramps 0..10; latencies spread over buckets
      metrics.push({
        name: 'reqs_total',
        type: 'counter',
        value: 60,
        labels: { route: '/a', code: '200' },
        timestamp: ts,
      });
      metrics.push({
        name: 'reqs_total',
        type: 'counter',
        value: 120,
        labels: { route: '/b', code: '500' },
        timestamp: ts,
      });
      metrics.push({ name: 'temp', value: i, labels: { room: 'x' }, timestamp: ts });
      metrics.push({ name: 'temp', value: 100 - i, labels: { room: 'y' }, timestamp: ts });
      for (const v of [0.05, 0.2, 0.2, 0.9]) {
        metrics.push({
          name: 'lat_seconds',
          type: 'histogram',
          value: v,
          buckets: [0.1, 0.5, 1],
          labels: { route: '/a' },
          timestamp: ts,
        });
      }
    }
    const r = await send(t.app, 'POST', '/api/metrics/batch', { metrics });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  });
  after(async () => {
    await t.close();
  });

  const query = (qs: string) =>
    send<Result>(t.app, 'GET', `/api/metrics/query?start=${start}&end=${end}&${qs}`);

  it('returns the last value at each step, carried forward', async () => {
    const r = await query('metric=temp&match=room="x"&step=2m');
    assert.equal(r.status, 200);
    assert.deepEqual(
      r.body.series[0]!.points.map((p) => p[1]),
      [0, 2, 4, 6, 8, 10],
    );
    assert.equal(r.body.series[0]!.points.at(-1)![0], end);
  });

  it('computes rate and increase of counters, grouped by a label', async () => {
    const rate = await query('metric=reqs_total&fn=rate&step=5m&match=route=~"/(a|b)"');
    const byRoute: Record<string, number[]> = Object.fromEntries(
      rate.body.series.map((s): [string, number[]] => [s.labels.route ?? '', s.points.map((p) => p[1])]),
    );
    // the first window holds the counter's creation: its first increment counts (it started at 0)
    assert.deepEqual(byRoute['/a'], [0.2, 1, 1]);
    assert.deepEqual(byRoute['/b'], [0.4, 2, 2]);
    const total = await query('metric=reqs_total&fn=increase&step=5m&by=');
    assert.deepEqual(total.body.series.length, 1);
    assert.deepEqual(total.body.series[0]!.points.map((p) => p[1]).slice(1), [900, 900]);
    const errors = await query('metric=reqs_total&fn=increase&step=10m&match=code!~"2.."');
    assert.deepEqual(
      errors.body.series.map((s) => s.labels.route),
      ['/b'],
    );
  });

  it('aggregates gauges over windows and across series', async () => {
    const avg = await query('metric=temp&fn=avg&step=5m&by=');
    assert.deepEqual(
      avg.body.series[0]!.points.map((p) => p[1]),
      [50, 50, 50],
    );
    const max = await query('metric=temp&fn=max&step=5m&window=5m&match=room="x"');
    assert.deepEqual(
      max.body.series[0]!.points.map((p) => p[1]),
      [0, 5, 10],
    );
    const count = await query('metric=temp&fn=count&step=5m&match=room="x"');
    assert.deepEqual(count.body.series[0]!.points.map((p) => p[1]).slice(1), [5, 5]);
    const p50 = await query('metric=temp&fn=p50&step=10m&window=10m&match=room="y"');
    // (end − 10m, end] holds 99…90: the median of ten values is 94.5
    assert.deepEqual(p50.body.series[0]!.points.map((p) => p[1]).slice(1), [94.5]);
  });

  it('computes histogram percentiles, averages and rates from buckets', async () => {
    const p50 = await query('metric=lat_seconds&fn=p50&step=5m');
    // per 5 minutes: 20 observations, 5 ≤ 0.1, 15 ≤ 0.5, 20 ≤ 1: the median is in (0.1, 0.5]
    assert.equal(p50.body.fn, 'p50');
    assert.ok(Math.abs(p50.body.series[0]!.points[1]![1] - 0.3) < 1e-9);
    const p99 = await query('metric=lat_seconds&fn=p99&step=5m');
    assert.ok(p99.body.series[0]!.points[1]![1] > 0.5 && p99.body.series[0]!.points[1]![1] <= 1);
    const avg = await query('metric=lat_seconds&fn=avg&step=5m');
    assert.ok(Math.abs(avg.body.series[0]!.points[1]![1] - 0.3375) < 1e-9);
    const rate = await query('metric=lat_seconds&fn=rate&step=5m');
    assert.ok(Math.abs(rate.body.series[0]!.points[1]![1] - 20 / 300) < 1e-9);
  });

  it('downsamples to `points` when no step is given', async () => {
    const r = await query('metric=temp&match=room="x"&points=5');
    assert.equal(r.body.series[0]!.points.length, 6); // both ends included
  });

  it('answers bad queries with 404/422 problem documents naming the field', async () => {
    const unknown = await query('metric=nope');
    assert.equal(unknown.status, 404);
    assert.equal((unknown.body as unknown as { code: string }).code, 'metric_not_found');
    for (const [qs, field] of [
      ['metric=temp&fn=median', 'fn'],
      ['metric=temp&step=fast', 'step'],
      ['metric=temp&match=room', 'match'],
      ['metric=temp&match=room=~"("', 'match'],
      ['metric=temp&step=1ms', 'step'],
      ['metric=lat_seconds&fn=last', 'fn'],
    ] as const) {
      const r = await query(qs);
      assert.equal(r.status, 422, qs);
      assert.equal((r.body as unknown as { field: string }).field, field, qs);
    }
    const badStart = await send(t.app, 'GET', '/api/metrics/query?metric=temp&start=yesterday');
    assert.equal(badStart.body.field, 'start');
  });
});
