import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { apiToken } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface Envelope<T = unknown> {
  status: 'success' | 'error';
  data: T;
  warnings?: string[];
  errorType?: string;
  error?: string;
}

/**
 * What Grafana's Prometheus datasource sends (pkg/promlib: client.go, healthcheck.go, heuristics.go; the
 * frontend's language provider), over real HTTP with a read token: POST form bodies for queries and the
 * label/series listings (the datasource's default http method), GET for label values, metadata,
 * buildinfo and rules. The answers are checked for what Grafana reads from them.
 */
describe("Grafana's Prometheus datasource against the service", () => {
  let t: TestApp;
  let base: string;
  let token: string;
  const now = Date.now();
  const start = String(Math.floor((now - 3_600_000) / 1000));
  const end = String(Math.ceil(now / 1000) + 1);

  before(async () => {
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
    token = (await apiToken(t.app, ['read'])).token;
    const metrics = [];
    for (const [i, route] of ['/a', '/b', '/c'].entries())
      for (const minute of [10, 5, 0]) {
        const timestamp = now - minute * 60_000;
        metrics.push({
          name: 'http_requests',
          type: 'counter',
          value: 5 + i,
          labels: { route, job: 'api' },
          timestamp,
        });
        for (const value of [0.05, 0.3, 2])
          metrics.push({
            name: 'http_request_duration_seconds',
            type: 'histogram',
            value,
            labels: { route, job: 'api' },
            buckets: [0.1, 0.5, 1],
            timestamp,
          });
      }
    metrics.push({
      name: 'queue_depth',
      type: 'gauge',
      value: 3,
      labels: { job: 'worker' },
      help: 'Jobs waiting',
      unit: 'jobs',
      timestamp: now,
    });
    const ingest = await t.app.inject({ method: 'POST', url: '/api/metrics/batch', payload: { metrics } });
    assert.equal(ingest.statusCode, 200, ingest.body);
  });
  after(async () => {
    await t.close();
  });

  const request = async <T>(
    method: 'GET' | 'POST',
    path: string,
    form?: Record<string, string | string[]>,
  ): Promise<{ status: number; body: Envelope<T> }> => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form ?? {}))
      for (const v of typeof value === 'string' ? [value] : value) body.append(key, v);
    const url =
      method === 'GET' && form !== undefined ? `${base}${path}?${body.toString()}` : `${base}${path}`;
    const response = await fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      ...(method === 'POST' ? { body: body.toString() } : {}),
    });
    return { status: response.status, body: (await response.json()) as Envelope<T> };
  };

  it('passes the health check: an instant 1+1 at time 4, posted as a form', async () => {
    const r = await request<{ resultType: string; result: [number, string] }>('POST', '/api/v1/query', {
      query: '1+1',
      time: '4',
    });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { status: 'success', data: { resultType: 'scalar', result: [4, '2'] } });
  });

  it('answers buildinfo with a Prometheus version Grafana enables its features by', async () => {
    const r = await request<{ version: string }>('GET', '/api/v1/status/buildinfo');
    assert.equal(r.status, 200);
    const [major, minor] = r.body.data.version.split('.').map(Number);
    assert.ok(major === 2 && minor! >= 24, r.body.data.version); // match[] on labels needs 2.24+
  });

  it('fills the label browser: label names, metric names, series of a metric', async () => {
    const labels = await request<string[]>('POST', '/api/v1/labels', { start, end });
    assert.deepEqual(labels.body.data, ['__name__', 'job', 'le', 'route']);
    const names = await request<string[]>('GET', '/api/v1/label/__name__/values', { start, end });
    assert.deepEqual(names.body.data, [
      'http_request_duration_seconds_bucket',
      'http_request_duration_seconds_count',
      'http_request_duration_seconds_sum',
      'http_requests_total',
      'queue_depth',
    ]);
    const series = await request<Record<string, string>[]>('POST', '/api/v1/series', {
      'match[]': 'http_requests_total',
      start,
      end,
    });
    assert.deepEqual(
      series.body.data,
      ['/a', '/b', '/c'].map((route) => ({ __name__: 'http_requests_total', job: 'api', route })),
    );
    const labelsOfMetric = await request<string[]>('POST', '/api/v1/labels', {
      'match[]': '{__name__="queue_depth"}',
      start,
      end,
    });
    assert.deepEqual(labelsOfMetric.body.data, ['__name__', 'job']);
  });

  it('answers label_values(metric, label) variables and the query editor metadata', async () => {
    const routes = await request<string[]>('GET', '/api/v1/label/route/values', {
      'match[]': 'http_request_duration_seconds_bucket{le="+Inf"}',
      start,
      end,
    });
    assert.deepEqual(routes.body.data, ['/a', '/b', '/c']);
    const les = await request<string[]>('GET', '/api/v1/label/le/values', {
      'match[]': 'http_request_duration_seconds_bucket',
    });
    assert.deepEqual(les.body.data, ['+Inf', '0.1', '0.5', '1']);
    const limited = await request<string[]>('GET', '/api/v1/label/route/values', { limit: '2' });
    assert.deepEqual(
      [limited.body.data, limited.body.warnings],
      [['/a', '/b'], ['results truncated due to limit']],
    );
    const metadata = await request<Record<string, { type: string; help: string; unit: string }[]>>(
      'GET',
      '/api/v1/metadata',
    );
    assert.deepEqual(metadata.body.data.queue_depth, [{ type: 'gauge', help: 'Jobs waiting', unit: 'jobs' }]);
    assert.equal(metadata.body.data.http_request_duration_seconds?.[0]?.type, 'histogram');
    const one = await request<Record<string, unknown>>('GET', '/api/v1/metadata', { metric: 'queue_depth' });
    assert.deepEqual(Object.keys(one.body.data), ['queue_depth']);
  });

  it('draws panels: query_range posted as a form with start, end and step', async () => {
    const r = await request<{
      resultType: string;
      result: { metric: Record<string, string>; values: [number, string][] }[];
    }>('POST', '/api/v1/query_range', {
      query: 'sum by (route) (increase(http_requests_total[15m]))',
      start,
      end,
      step: '60',
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.data.resultType, 'matrix');
    assert.deepEqual(
      r.body.data.result.map((s) => s.metric),
      [{ route: '/a' }, { route: '/b' }, { route: '/c' }],
    );
    const p95 = await request<{ result: unknown[] }>('POST', '/api/v1/query_range', {
      query: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[15m])))',
      start,
      end,
      step: '60',
    });
    assert.equal(p95.status, 200, JSON.stringify(p95.body));
    assert.equal(p95.body.data.result.length, 1);
  });

  it('lists rules and alerts in the shape Grafana reads', async () => {
    const rules = await request<{
      groups: { name: string; rules: { type: string; health: string; state: string }[] }[];
    }>('GET', '/api/v1/rules');
    assert.equal(rules.status, 200);
    const own = rules.body.data.groups.find((g) => g.name === 'metrics-service');
    assert.ok(own !== undefined && own.rules.length >= 6); // the six predefined rules
    assert.ok(
      own.rules.every((r) => r.type === 'alerting' && ['inactive', 'pending', 'firing'].includes(r.state)),
    );
    const alerts = await request<{ alerts: unknown[] }>('GET', '/api/v1/alerts');
    assert.ok(Array.isArray(alerts.body.data.alerts));
  });

  it("refuses what Prometheus refuses, in Prometheus' error envelope", async () => {
    const noMatch = await request('POST', '/api/v1/series', { start, end });
    assert.deepEqual(
      [noMatch.status, noMatch.body.errorType, noMatch.body.error],
      [400, 'bad_data', 'no match[] parameter provided'],
    );
    const empty = await request('GET', '/api/v1/series', { 'match[]': '{job=~".*"}' });
    assert.equal(empty.status, 400);
    assert.match(String(empty.body.error), /at least one non-empty matcher/);
    const badTime = await request('GET', '/api/v1/labels', { start: 'yesterday' });
    assert.deepEqual([badTime.status, badTime.body.errorType], [400, 'bad_data']);
    const badRegex = await request('GET', '/api/v1/series', { 'match[]': '{job=~"("}' });
    assert.deepEqual([badRegex.status, badRegex.body.errorType], [400, 'bad_data']);
    const anonymous = await fetch(`${base}/api/v1/labels`);
    assert.equal(anonymous.status, 401);
  });
});
