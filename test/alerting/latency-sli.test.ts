import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ADMIN_AUTH, TEST_ADMIN_PASSWORD, startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Issue 19: two logins (scrypt, slow on purpose) sent the service's own P95 over 9 s and put "High P95
 * latency" into pending. The latency SLI (summary tile, charts, the predefined rule) leaves /api/auth/* out.
 */
describe('the latency SLI leaves the deliberately slow auth routes out', () => {
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

  it('logins do not move the P95 of the summary nor the latency chart', async () => {
    let slowest = 0;
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      const response = await fetch(`${base}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'admin', password: TEST_ADMIN_PASSWORD }),
      });
      await response.arrayBuffer();
      assert.equal(response.status, 200);
      slowest = Math.max(slowest, (performance.now() - started) / 1000);
    }
    for (let i = 0; i < 20; i++) await (await fetch(`${base}/health`)).arrayBuffer();
    await t.services.application.collect();

    const summary = (await (
      await fetch(`${base}/api/dashboard/summary`, { headers: ADMIN_AUTH })
    ).json()) as {
      latencyP95Seconds: number | null;
    };
    assert.ok(summary.latencyP95Seconds !== null);
    // With the logins in, 4 of 24 requests are logins and the P95 would be one of them.
    assert.ok(
      summary.latencyP95Seconds < slowest / 2,
      `P95 ${String(summary.latencyP95Seconds)} s against logins of up to ${String(slowest)} s`,
    );
    const chart = (await (
      await fetch(`${base}/api/dashboard/charts/application?range=5m`, { headers: ADMIN_AUTH })
    ).json()) as { series: { name: string; points: [number, number][] }[] };
    const p95 = chart.series.find((s) => s.name === 'latency_p95_seconds');
    assert.ok(p95 !== undefined && p95.points.length > 0);
    for (const [, v] of p95.points) assert.ok(v < slowest / 2, `chart P95 ${String(v)}`);
  });

  it('the predefined "High P95 latency" rule matches every route but /api/auth/*', async () => {
    const response = await fetch(`${base}/api/alerts/rules/high-latency`, { headers: ADMIN_AUTH });
    const body = (await response.json()) as { rule: { matchers?: string[] } };
    assert.deepEqual(body.rule.matchers, ['route!~"/api/auth/.*"']);
  });
});
