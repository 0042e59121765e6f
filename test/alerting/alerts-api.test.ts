import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startChildService } from '../support/child-service.js';
import { send } from '../support/http.js';
import { poll } from '../support/prometheus.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { ADMIN_AUTH, startTestApp, type TestApp } from '../support/test-app.js';

interface AlertBody {
  id: string;
  ruleId: string;
  state: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
  acknowledged: boolean;
  silencedBy: string | null;
  timeline: Record<string, string | number | null>;
  notifications?: { status: string; attempts: number }[];
}

const SECRET = 'test-signing-secret';

/** The seed's rule example, verbatim (README "Créer une Règle d'Alerting"). */
const SEED_RULE = {
  name: 'High Error Rate',
  metricName: 'http_requests_total',
  condition: '>',
  threshold: 0.05,
  severity: 'high',
  notificationChannels: [{ type: 'slack', destination: '#alerts' }],
};

describe('alerting API', () => {
  let receiver: Receiver;
  let t: TestApp;

  before(async () => {
    receiver = await startReceiver();
    t = await startTestApp({
      EGRESS_ALLOWLIST: '127.0.0.1',
      SLACK_WEBHOOK_URL: `${receiver.base}/slack`,
      WEBHOOK_SECRET: SECRET,
    });
  });
  after(async () => {
    await t.close();
    await receiver.close();
  });

  const push = async (name: string, value: number, labels: Record<string, string> = {}): Promise<void> => {
    const r = await send(t.app, 'POST', '/api/metrics/custom', { name, type: 'gauge', value, labels });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    await t.services.alerting.engine.settled();
  };
  const alerts = async (query = ''): Promise<AlertBody[]> =>
    (await send<{ alerts: AlertBody[] }>(t.app, 'GET', `/api/alerts${query}`)).body.alerts;
  const addRule = async (body: Record<string, unknown>): Promise<string> => {
    const r = await send<{ id: string }>(t.app, 'POST', '/api/alerts/rules', body);
    assert.equal(r.status, 201, JSON.stringify(r.body));
    await t.services.alerting.engine.settled();
    return r.body.id;
  };

  it("has the seed's six predefined rules out of the box, and the Alertmanager receiver's", async () => {
    const r = await send<{ rules: { id: string; origin: string; enabled: boolean }[] }>(
      t.app,
      'GET',
      '/api/alerts/rules',
    );
    assert.deepEqual(
      r.body.rules.filter((x) => x.origin === 'builtin').map((x) => x.id),
      [
        'high-cpu',
        'low-memory',
        'high-error-rate',
        'high-latency',
        'service-down',
        'low-disk',
        'alertmanager',
      ],
    );
  });

  it("fires the seed's example rule on the sample that crosses the threshold and notifies Slack", async () => {
    const ruleId = await addRule(SEED_RULE);
    await push('http_requests_total', 0.01, { service: 'booking' });
    assert.equal((await alerts(`?rule=${ruleId}`)).length, 0);
    await push('http_requests_total', 0.2, { service: 'booking' });
    const [alert] = await alerts(`?rule=${ruleId}&state=firing`);
    assert.ok(alert !== undefined);
    assert.deepEqual(
      [alert.state, alert.severity, alert.value, alert.labels.service],
      ['firing', 'high', 0.2, 'booking'],
    );
    const [message] = await receiver.waitFor(1);
    assert.ok(message);
    assert.equal(message.path, '/slack');
    assert.equal(message.body.channel, '#alerts');
    assert.match(String(message.body.text), /^\[FIRING\] High Error Rate/);
  });

  it('refuses a manual resolve while the condition holds; resolves and notifies when it clears', async () => {
    const [alert] = await alerts('?state=firing');
    const refused = await send(t.app, 'POST', `/api/alerts/${alert!.id}/resolve`, {});
    assert.equal(refused.status, 409);
    assert.equal(refused.body.code, 'condition_still_true');
    const ack = await send<AlertBody>(t.app, 'POST', `/api/alerts/${alert!.id}/acknowledge`, { by: 'alice' });
    assert.equal(ack.status, 200);
    assert.equal(ack.body.acknowledged, true);
    // Who is the caller (here the admin token); the body's free text is kept as a note (issue 15, item 12).
    assert.equal(ack.body.timeline.acknowledgedBy, 'token:ADMIN_TOKEN');
    assert.equal(ack.body.timeline.acknowledgementNote, 'alice');
    await push('http_requests_total', 0.01, { service: 'booking' });
    const detail = await send<AlertBody>(t.app, 'GET', `/api/alerts/${alert!.id}`);
    assert.equal(detail.body.state, 'resolved');
    assert.equal(detail.body.timeline.resolvedBy, 'condition');
    const messages = await receiver.waitFor(2);
    assert.match(String(messages[1]?.body.text), /^\[RESOLVED\] High Error Rate/);
    await t.services.alerting.outbox.drain();
    const after = await send<AlertBody>(t.app, 'GET', `/api/alerts/${alert!.id}`);
    assert.deepEqual(
      after.body.notifications?.map((n) => n.status),
      ['delivered', 'delivered'],
    );
  });

  it('waits `for` before firing, renders annotations, and signs webhooks with HMAC-SHA256', async () => {
    receiver.received.length = 0;
    await addRule({
      name: 'Queue too long',
      metricName: 'queue_depth',
      aggregation: { fn: 'max', window: '1m' },
      threshold: 100,
      for: '1s',
      severity: 'warning',
      annotations: { summary: 'depth {{value}} over {{threshold}} on {{labels.queue}} {{constructor}}' },
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    await push('queue_depth', 250, { queue: 'emails' });
    const [pending] = await alerts('?state=pending');
    assert.equal(pending?.labels.queue, 'emails');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await t.services.alerting.engine.evaluateAll();
    const [firing] = await alerts('?state=firing&severity=warning');
    assert.ok(firing && pending);
    assert.equal(firing.id, pending.id, 'the pending alert fired; no second alert');
    assert.equal(firing.annotations.summary, 'depth 250 over 100 on emails {{constructor}}');
    const [hook] = await receiver.waitFor(1);
    assert.ok(hook);
    const signature = `sha256=${createHmac('sha256', SECRET).update(hook.raw).digest('hex')}`;
    assert.equal(hook.headers['x-metrics-service-signature'], signature);
    assert.equal(hook.headers['idempotency-key'], (hook.body as { idempotencyKey: string }).idempotencyKey);
    assert.equal((hook.body as { event: string }).event, 'firing');
  });

  it('a silence keeps notifications back for matching alerts', async () => {
    receiver.received.length = 0;
    const silence = await send<{ id: string; active: boolean }>(t.app, 'POST', '/api/alerts/silences', {
      matchers: ['alertname="Disk busy"'],
      endsAt: '1h',
      comment: 'planned maintenance',
    });
    assert.equal(silence.status, 201);
    assert.equal(silence.body.active, true);
    await addRule({
      name: 'Disk busy',
      metricName: 'disk_busy_ratio',
      threshold: 0.9,
      notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
    });
    await push('disk_busy_ratio', 0.95);
    const [alert] = (await alerts('?state=firing')).filter(
      (a) => a.labels.__name__ === undefined && a.value === 0.95,
    );
    assert.equal(alert?.silencedBy, silence.body.id);
    await t.services.alerting.outbox.drain();
    assert.equal(receiver.received.length, 0);
    assert.equal((await send(t.app, 'DELETE', `/api/alerts/silences/${silence.body.id}`)).status, 204);
    await t.services.alerting.engine.evaluateAll(); // the silence ended: the firing alert is announced now
    await receiver.waitFor(1);
  });

  it('a health rule fires when a watched service goes DOWN, with the reason', async () => {
    const r = await send(t.app, 'POST', '/api/health/services', {
      name: 'broken',
      url: `${receiver.base}/nowhere`,
      retries: 1,
    });
    assert.equal(r.status, 201);
    await send(t.app, 'POST', '/api/health/check', { name: 'broken' });
    await t.services.alerting.engine.settled();
    const [down] = (await alerts('?state=firing&severity=critical')).filter(
      (a) => a.ruleId === 'service-down',
    );
    assert.deepEqual([down?.labels.service, down?.labels.reason], ['broken', 'status_code']);
    assert.match(down?.annotations.summary ?? '', /broken is down: status_code/);
  });

  it('fires on absence: a heartbeat that stops, a metric never pushed', async () => {
    const id = await addRule({
      name: 'Heartbeat missing',
      metricName: 'worker_heartbeat',
      aggregation: { fn: 'count', window: '2s', by: ['worker'] },
      condition: '<',
      threshold: 1,
      noData: 'alerting',
    });
    await push('worker_heartbeat', 1, { worker: 'w1' });
    await t.services.alerting.engine.evaluateAll();
    assert.equal((await alerts(`?rule=${id}&state=firing`)).length, 0);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    await t.services.alerting.engine.evaluateAll();
    const [missing] = await alerts(`?rule=${id}&state=firing`);
    assert.equal(missing?.labels.worker, 'w1');
    const never = await addRule({
      name: 'Never pushed',
      metricName: 'never_pushed',
      threshold: 0,
      noData: 'alerting',
    });
    await t.services.alerting.engine.evaluateAll();
    const [absent] = await alerts(`?rule=${never}&state=firing`);
    assert.deepEqual([absent?.value, absent?.labels], [null, {}]);
  });

  it('answers bad rules with 422 naming the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x', metricName: 'm' }, 'threshold'],
      [{ name: 'x', threshold: 1 }, 'metricName'],
      [{ name: 'x', metricName: 'm', threshold: 1, matchers: ['a=~"("'] }, 'matchers'],
      [{ name: 'x', metricName: 'm', threshold: 1, aggregation: { fn: 'median' } }, 'aggregation.fn'],
      [{ name: 'x', metricName: 'm', threshold: 1, for: 'soon' }, 'for'],
      [
        {
          name: 'x',
          metricName: 'm',
          threshold: 1,
          notificationChannels: [{ type: 'webhook', destination: '#x' }],
        },
        'notificationChannels[0].destination',
      ],
    ];
    for (const [body, field] of cases) {
      const r = await send(t.app, 'POST', '/api/alerts/rules', body);
      assert.equal(r.status, 422, JSON.stringify(r.body));
      assert.equal(r.body.code, 'invalid_rule');
      assert.equal(r.body.field, field, JSON.stringify(body));
    }
  });

  it('edits and deletes rules; alerts of a deleted rule resolve', async () => {
    const id = await addRule({ name: 'Temp', metricName: 'temp_celsius', threshold: 30 });
    await push('temp_celsius', 35);
    assert.equal((await alerts(`?rule=${id}&state=firing`)).length, 1);
    const put = await send<{ rule: Record<string, unknown> }>(t.app, 'PUT', `/api/alerts/rules/${id}`, {
      name: 'Temp',
      metricName: 'temp_celsius',
      threshold: 40,
    });
    assert.equal(put.status, 200);
    assert.equal(put.body.rule.threshold, 40);
    await t.services.alerting.engine.evaluateAll();
    assert.equal((await alerts(`?rule=${id}&state=resolved`)).length, 1, 'below the new threshold');
    assert.equal((await send(t.app, 'DELETE', `/api/alerts/rules/${id}`)).status, 204);
    assert.equal((await send(t.app, 'GET', `/api/alerts/rules/${id}`)).status, 404);
  });
});

describe('alerting: delivery that survives failures and restarts, rules file', () => {
  it('a receiver failing for a while gets each notification exactly once, Retry-After honoured', async () => {
    const receiver = await startReceiver();
    const t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    try {
      receiver.failNext(2, 429, { 'retry-after': '0' });
      await send(t.app, 'POST', '/api/alerts/rules', {
        name: 'Flaky receiver',
        metricName: 'errors_now',
        threshold: 0,
        notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
      });
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'errors_now', value: 3 });
      const [delivered] = await receiver.waitFor(1, 15_000);
      await t.services.alerting.outbox.drain();
      const keys = receiver.received.map((r) => r.headers['idempotency-key']);
      assert.equal(new Set(keys).size, keys.length, 'one delivery per idempotency key');
      const [alert] = (await send<{ alerts: AlertBody[] }>(t.app, 'GET', '/api/alerts?state=firing')).body
        .alerts;
      const detail = await send<AlertBody>(t.app, 'GET', `/api/alerts/${alert!.id}`);
      assert.deepEqual(
        detail.body.notifications?.map((n) => [n.status, n.attempts]),
        [['delivered', 3]],
      );
      assert.ok(delivered !== undefined);
    } finally {
      await t.close();
      await receiver.close();
    }
  });

  it('a notification pending when the service is killed (-9) is sent after it restarts', async () => {
    const receiver = await startReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), 'metrics-outbox-kill-'));
    const env = { EGRESS_ALLOWLIST: '127.0.0.1', DATA_DIR: dataDir };
    try {
      receiver.failNext(1_000_000, 503);
      const first = await startChildService(env);
      const post = (path: string, body: unknown): Promise<Response> =>
        fetch(`${first.url}${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...ADMIN_AUTH },
          body: JSON.stringify(body),
        });
      await post('/api/alerts/rules', {
        name: 'Pending across a crash',
        metricName: 'backlog',
        threshold: 10,
        notificationChannels: [{ type: 'webhook', destination: `${receiver.base}/hook` }],
      });
      await post('/api/metrics/custom', { name: 'backlog', value: 50 });
      await poll(() => Promise.resolve(receiver.hits() > 0 ? true : undefined), 10_000);
      first.child.kill('SIGKILL');
      await first.exited;
      assert.equal(receiver.received.length, 0);
      receiver.failNext(0);
      const again = await startChildService(env);
      try {
        const [message] = await receiver.waitFor(1, 15_000);
        assert.match((message?.body.alert as { rule: { name: string } }).rule.name, /Pending across a crash/);
      } finally {
        again.child.kill('SIGTERM');
        await again.exited;
      }
    } finally {
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it("takes the seed's curl example on a machine without SLACK_WEBHOOK_URL, and says what is missing", async () => {
    const t = await startTestApp({});
    try {
      const r = await send<{ id: string; warnings: string[] }>(t.app, 'POST', '/api/alerts/rules', SEED_RULE);
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.match(r.body.warnings[0] ?? '', /SLACK_WEBHOOK_URL is not set/);
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'http_requests_total', value: 1 });
      await t.services.alerting.engine.settled();
      await t.services.alerting.outbox.drain();
      const [alert] = (await send<{ alerts: AlertBody[] }>(t.app, 'GET', `/api/alerts?rule=${r.body.id}`))
        .body.alerts;
      const detail = await send<
        AlertBody & { notifications: { status: string; lastError: string | null }[] }
      >(t.app, 'GET', `/api/alerts/${alert!.id}`);
      assert.equal(detail.body.state, 'firing');
      const [notification] = detail.body.notifications;
      assert.ok(notification);
      assert.equal(notification.status, 'failed');
      assert.match(notification.lastError ?? '', /SLACK_WEBHOOK_URL/);
    } finally {
      await t.close();
    }
  });

  it('loads ALERT_RULES_FILE; its rules are read-only through the API', async () => {
    const first = await startTestApp({});
    const file = join(first.dataDir, 'rules.yml');
    writeFileSync(
      file,
      'rules:\n  - id: slow-jobs\n    name: Slow jobs\n    metricName: job_seconds\n    aggregation: { fn: p95, window: 10m }\n    threshold: 30\n',
    );
    await first.stop();
    const t = await startTestApp({ ALERT_RULES_FILE: file }, first.dataDir);
    try {
      const rule = await send<{ origin: string }>(t.app, 'GET', '/api/alerts/rules/slow-jobs');
      assert.equal(rule.body.origin, 'file');
      const del = await send(t.app, 'DELETE', '/api/alerts/rules/slow-jobs');
      assert.equal(del.status, 409);
      assert.equal(del.body.code, 'rule_read_only');
    } finally {
      await t.stop();
      await first.close();
    }
  });
});

describe('alerting: named channels', () => {
  it('configures a channel once, rules reference it by name, its own secret signs', async () => {
    const receiver = await startReceiver();
    const t = await startTestApp({ EGRESS_ALLOWLIST: '127.0.0.1' });
    try {
      const secret = 'channel-secret-0123456789';
      const created = await send<{ hasSecret: boolean }>(t.app, 'POST', '/api/alerts/channels', {
        name: 'ops-hook',
        type: 'webhook',
        destination: `${receiver.base}/hook`,
        secret,
      });
      assert.equal(created.status, 201);
      assert.equal(created.body.hasSecret, true);
      assert.ok(!JSON.stringify(created.body).includes(secret), 'the secret is never shown back');
      const bad = await send(t.app, 'POST', '/api/alerts/rules', {
        name: 'x',
        metricName: 'm',
        threshold: 1,
        notificationChannels: [{ channel: 'missing' }],
      });
      assert.equal(bad.body.field, 'notificationChannels[0].channel');
      const rule = await send<{ id: string }>(t.app, 'POST', '/api/alerts/rules', {
        name: 'Named channel rule',
        metricName: 'named_metric',
        threshold: 1,
        notificationChannels: [{ channel: 'ops-hook' }],
      });
      assert.equal(rule.status, 201);
      await send(t.app, 'POST', '/api/metrics/custom', { name: 'named_metric', value: 2 });
      const [hook] = await receiver.waitFor(1);
      assert.ok(hook);
      assert.equal(
        hook.headers['x-metrics-service-signature'],
        `sha256=${createHmac('sha256', secret).update(hook.raw).digest('hex')}`,
      );
      const inUse = await send(t.app, 'DELETE', '/api/alerts/channels/ops-hook');
      assert.equal(inUse.status, 409);
      assert.equal(inUse.body.code, 'channel_in_use');
      assert.equal((await send(t.app, 'DELETE', `/api/alerts/rules/${rule.body.id}`)).status, 204);
      assert.equal((await send(t.app, 'DELETE', '/api/alerts/channels/ops-hook')).status, 204);
    } finally {
      await t.close();
      await receiver.close();
    }
  });
});
