import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Envelope {
  status: string;
  data?: { resultType: string; result: unknown } | string;
  errorType?: string;
  error?: string;
}

const MINUTE = 60_000;

/** Prometheus' HTTP API over the service's store: envelopes, parameters, form bodies, errors. */
describe('PromQL HTTP API', () => {
  let t: TestApp;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;
  const start = end - 10 * MINUTE;

  before(async () => {
    t = await startTestApp();
    const metrics: unknown[] = [];
    for (let i = 0; i <= 10; i++) {
      const timestamp = start + i * MINUTE;
      metrics.push({ name: 'reqs', type: 'counter', value: 60, labels: { route: '/a' }, timestamp });
      metrics.push({ name: 'reqs', type: 'counter', value: 120, labels: { route: '/b' }, timestamp });
      metrics.push({ name: 'temp', value: i, labels: { room: 'x' }, timestamp });
    }
    const r = await t.app.inject({ method: 'POST', url: '/api/metrics/batch', payload: { metrics } });
    assert.ok(r.statusCode < 300, r.body);
  });
  after(async () => {
    await t.close();
  });

  const get = async (url: string) => {
    const r = await t.app.inject({ method: 'GET', url });
    return { status: r.statusCode, body: r.json<Envelope>() };
  };

  it('answers an instant query with a vector of string values and float-second times', async () => {
    const { status, body } = await get(
      `/api/v1/query?query=${encodeURIComponent('temp')}&time=${end / 1000}`,
    );
    assert.equal(status, 200);
    assert.deepEqual(body, {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [{ metric: { __name__: 'temp', room: 'x' }, value: [end / 1000, '10'] }],
      },
    });
  });

  it('names counters as the exposition does and computes rates over them', async () => {
    const q = encodeURIComponent('sum by (route) (rate(reqs_total[5m]))');
    const { body } = await get(`/api/v1/query?query=${q}&time=${new Date(end).toISOString()}`);
    const result = (body.data as { result: { metric: { route: string }; value: [number, string] }[] }).result;
    const rates = Object.fromEntries(result.map((s) => [s.metric.route, Number(s.value[1])]));
    assert.ok(Math.abs(rates['/a']! - 1) < 1e-9, JSON.stringify(body));
    assert.ok(Math.abs(rates['/b']! - 2) < 1e-9, JSON.stringify(body));
  });

  it('takes range queries as a form body, as Grafana posts them', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/query_range',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({
        query: 'temp * 2',
        start: String(start / 1000),
        end: String(end / 1000),
        step: '5m',
      }).toString(),
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json<Envelope>().data, {
      resultType: 'matrix',
      result: [
        {
          metric: { room: 'x' },
          values: [
            [start / 1000, '0'],
            [(start + 5 * MINUTE) / 1000, '10'],
            [end / 1000, '20'],
          ],
        },
      ],
    });
  });

  it('answers scalars and writes NaN and infinities as Prometheus does', async () => {
    const { body } = await get(`/api/v1/query?query=${encodeURIComponent('1/0')}&time=100`);
    assert.deepEqual(body.data, { resultType: 'scalar', result: [100, '+Inf'] });
    const nan = await get(`/api/v1/query?query=${encodeURIComponent('0/0')}&time=100.5`);
    assert.deepEqual(nan.body.data, { resultType: 'scalar', result: [100.5, 'NaN'] });
  });

  it('refuses bad expressions and parameters with bad_data (400), execution errors with 422', async () => {
    const parse = await get(`/api/v1/query?query=${encodeURIComponent('sum(rate(x[5m])')}`);
    assert.equal(parse.status, 400);
    assert.equal(parse.body.errorType, 'bad_data');
    assert.match(parse.body.error!, /^invalid parameter "query": 1:\d+: parse error: /);
    const time = await get(`/api/v1/query?query=up&time=yesterday`);
    assert.deepEqual(time.body, {
      status: 'error',
      errorType: 'bad_data',
      error: 'invalid parameter "time": cannot parse "yesterday" to a valid timestamp',
    });
    const points = await get(`/api/v1/query_range?query=up&start=0&end=100000&step=1`);
    assert.equal(points.status, 400);
    assert.match(points.body.error!, /exceeded maximum resolution of 11,000 points per timeseries/);
    const matching = await get(
      `/api/v1/query?query=${encodeURIComponent('reqs_total + on() reqs_total')}&time=${end / 1000}`,
    );
    assert.equal(matching.status, 422);
    assert.equal(matching.body.errorType, 'execution');
    assert.match(matching.body.error!, /many-to-many matching not allowed/);
  });

  it('formats queries and asks for a read token', async () => {
    const { body } = await get(
      `/api/v1/format_query?query=${encodeURIComponent('sum by(job)(rate(x{a="b"}[5m] offset 1m))')}`,
    );
    assert.deepEqual(body, { status: 'success', data: 'sum by (job) (rate(x{a="b"}[5m] offset 1m))' });
    const anonymous = await t.app.inject({
      method: 'GET',
      url: '/api/v1/query?query=up',
      headers: { authorization: '' },
    });
    assert.equal(anonymous.statusCode, 401);
  });
});
