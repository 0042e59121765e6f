import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { startAlertmanager } from '../support/alertmanager.js';
import { send } from '../support/http.js';
import { startReceiver } from '../support/receiver.js';
import { startTestApp } from '../support/test-app.js';

interface AmPayload {
  version: string;
  status: string;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

describe('Alertmanager, the real binary', () => {
  it('our alerts reach Alertmanager (POST /api/v2/alerts) and its webhook; its webhook payload joins our list', async (t) => {
    if (!requireBinary(t, 'prometheus-alertmanager', 'prometheus-alertmanager')) return;
    const receiver = await startReceiver();
    const am = await startAlertmanager(`${receiver.base}/hook`);
    const app = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    try {
      const rule = await send(app.app, 'POST', '/api/alerts/rules', {
        name: 'CheckoutSlow',
        metricName: 'checkout_seconds',
        threshold: 2,
        severity: 'high',
        annotations: { summary: 'checkout takes {{value}} s' },
        notificationChannels: [{ type: 'alertmanager', destination: am.url }],
      });
      assert.equal(rule.status, 201, JSON.stringify(rule.body));
      await send(app.app, 'POST', '/api/metrics/custom', {
        name: 'checkout_seconds',
        value: 5,
        labels: { shop: 'eu' },
      });
      const [firing] = await receiver.waitFor(1, 20_000);
      const payload = firing?.body as unknown as AmPayload;
      assert.equal(payload.version, '4');
      assert.equal(payload.status, 'firing');
      assert.deepEqual(
        [
          payload.alerts[0]?.labels.alertname,
          payload.alerts[0]?.labels.severity,
          payload.alerts[0]?.labels.shop,
        ],
        ['CheckoutSlow', 'high', 'eu'],
      );
      assert.equal(payload.alerts[0]?.annotations.summary, 'checkout takes 5 s');

      await send(app.app, 'POST', '/api/metrics/custom', {
        name: 'checkout_seconds',
        value: 1,
        labels: { shop: 'eu' },
      });
      const messages = await receiver.waitFor(2, 20_000);
      assert.equal((messages[1]?.body as unknown as AmPayload).status, 'resolved');

      // Alertmanager's own payloads, fed to the receiving endpoint: the alert appears, then resolves.
      const received = await send<{ firing: number; resolved: number }>(
        app.app,
        'POST',
        '/api/alerts/alertmanager',
        messages[0]?.body,
      );
      assert.deepEqual(received.body, { firing: 1, resolved: 0 });
      const list = await send<{
        alerts: { ruleId: string; state: string; labels: Record<string, string> }[];
      }>(app.app, 'GET', '/api/alerts?rule=alertmanager&state=firing');
      assert.equal(list.body.alerts[0]?.labels.alertname, 'CheckoutSlow');
      const again = await send(app.app, 'POST', '/api/alerts/alertmanager', messages[0]?.body);
      assert.deepEqual(again.body, { firing: 1, resolved: 0 });
      assert.equal(
        (await send<{ alerts: unknown[] }>(app.app, 'GET', '/api/alerts?rule=alertmanager')).body.alerts
          .length,
        1,
        'a repeated delivery never duplicates an alert',
      );
      const resolved = await send(app.app, 'POST', '/api/alerts/alertmanager', messages[1]?.body);
      assert.deepEqual(resolved.body, { firing: 0, resolved: 1 });
      const bad = await send(app.app, 'POST', '/api/alerts/alertmanager', { version: '3', alerts: [] });
      assert.equal(bad.status, 422);
    } finally {
      await app.close();
      await am.stop();
      await receiver.close();
    }
  });
});
