import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { send } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';

describe('predefined rules against the real collectors', () => {
  it('CPU, memory, disk and latency rules read the series the collectors write', async () => {
    const t = await startTestApp({ SYSTEM_COLLECT_INTERVAL: '1000', APPLICATION_COLLECT_INTERVAL: '1000' });
    try {
      await t.app.listen({ host: '127.0.0.1', port: 0 });
      const url = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
      for (let i = 0; i < 5; i++) await (await fetch(`${url}/health`)).arrayBuffer();
      await new Promise((resolve) => setTimeout(resolve, 2300)); // two collections of each
      // Thresholds every real machine crosses, so each rule must fire if its selection finds data.
      const loosen: Record<string, Record<string, unknown>> = {
        'high-cpu': { threshold: -1 },
        'low-memory': { threshold: 1.01 },
        'low-disk': { threshold: 1.01 },
        'high-latency': { threshold: -1 },
      };
      for (const [id, change] of Object.entries(loosen)) {
        const current = await send<{ rule: Record<string, unknown> }>(
          t.app,
          'GET',
          `/api/alerts/rules/${id}`,
        );
        const put = await send(t.app, 'PUT', `/api/alerts/rules/${id}`, {
          ...current.body.rule,
          ...change,
          for: '0s',
        });
        assert.equal(put.status, 200, JSON.stringify(put.body));
      }
      await t.services.alerting.engine.evaluateAll();
      const firing = (
        await send<{ alerts: { ruleId: string; labels: Record<string, string>; value: number }[] }>(
          t.app,
          'GET',
          '/api/alerts?state=firing',
        )
      ).body.alerts;
      const rules = new Set(firing.map((a) => a.ruleId));
      for (const id of Object.keys(loosen))
        assert.ok(rules.has(id), `${id} did not fire: ${[...rules].join(', ')}`);
      const memory = firing.find((a) => a.ruleId === 'low-memory');
      assert.ok(memory !== undefined && memory.value > 0 && memory.value < 1, 'available / total is a ratio');
      assert.ok(firing.some((a) => a.ruleId === 'low-disk' && a.labels.mountpoint === '/'));
    } finally {
      await t.close();
    }
  });
});
