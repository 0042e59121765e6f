import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ADMIN_AUTH, startTestApp, type TestApp } from '../support/test-app.js';

interface ApplicationBody {
  http: {
    requests: number;
    errorRatio4xx: number | null;
    errorRatio5xx: number | null;
    latencySeconds: { p50: number | null; p95: number | null; p99: number | null };
    routes: { method: string; route: string; requests: number; errorRatio4xx: number }[];
  };
  activeConnections: number | null;
  eventLoop: { lagP99Seconds: number | null };
  memory: { heapUsedBytes: number | null };
  storeQueries: { count: number };
}

/** The service's own traffic, measured over real HTTP, stored by the application collector, read back. */
/** fetch options acting as the test admin. */
function withAdmin(init: RequestInit = {}): RequestInit {
  return { ...init, headers: { ...(init.headers as Record<string, string> | undefined), ...ADMIN_AUTH } };
}

describe('application collector', () => {
  let t: TestApp;
  let base: string;
  before(async () => {
    t = await startTestApp({ APPLICATION_COLLECT_INTERVAL: '60000' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
  });
  after(async () => {
    await t.close();
  });

  it('records requests by route template and status class, never by raw path', async () => {
    const get = async (path: string, init?: RequestInit): Promise<number> => {
      const response = await fetch(`${base}${path}`, withAdmin(init));
      await response.arrayBuffer();
      return response.status;
    };
    for (let i = 0; i < 3; i++) assert.equal(await get('/health'), 200);
    assert.equal(await get('/no/such/path/123'), 404);
    assert.equal(await get('/no/such/path/456'), 404);
    const post = { method: 'POST', headers: { 'content-type': 'application/json' } };
    assert.equal(
      await get('/api/metrics/custom', { ...post, body: JSON.stringify({ name: 'app_test', value: 1 }) }),
      200,
    );
    assert.equal(
      await get('/api/metrics/custom', { ...post, body: JSON.stringify({ name: '9bad', value: 1 }) }),
      422,
    );
    assert.equal(await get('/api/metrics/query?metric=app_test&start=now-5m'), 200);
    await t.services.application.collect();

    const response = await fetch(`${base}/api/metrics/application?window=5m`, withAdmin());
    assert.equal(response.status, 200);
    const body = (await response.json()) as ApplicationBody;
    const route = (method: string, path: string) =>
      body.http.routes.find((r) => r.method === method && r.route === path);
    assert.equal(route('GET', '/health')?.requests, 3);
    assert.equal(route('GET', '__unmatched__')?.requests, 2);
    assert.equal(route('GET', '__unmatched__')?.errorRatio4xx, 1);
    assert.equal(route('POST', '/api/metrics/custom')?.requests, 2);
    assert.equal(route('POST', '/api/metrics/custom')?.errorRatio4xx, 0.5);
    assert.ok(!body.http.routes.some((r) => r.route.includes('123')));
    assert.equal(body.http.requests, 8);
    assert.equal(body.http.errorRatio4xx, 3 / 8);
    assert.equal(body.http.errorRatio5xx, 0);
    assert.ok(
      body.http.latencySeconds.p50 !== null && body.http.latencySeconds.p99! >= body.http.latencySeconds.p50,
    );
    assert.ok(body.activeConnections !== null && body.activeConnections >= 0);
    assert.ok(body.eventLoop.lagP99Seconds !== null);
    assert.ok(body.memory.heapUsedBytes! > 0);
    assert.ok(body.storeQueries.count >= 1);

    const text = await (await fetch(`${base}/metrics`, withAdmin())).text();
    assert.ok(
      text.includes('metrics_service_http_requests_total{method="GET",route="/health",status_code="2xx"} 3'),
      'stored series on /metrics',
    );
    assert.ok(!text.includes('route="/metrics"'), '/metrics does not count itself');
    const p95 = (await (
      await fetch(
        `${base}/api/metrics/query?metric=metrics_service_http_request_duration_seconds&fn=p95&start=now-5m&by=route`,
        withAdmin(),
      )
    ).json()) as { series: { labels: { route: string } }[] };
    assert.ok(p95.series.some((s) => s.labels.route === '/health'));
  });
});
