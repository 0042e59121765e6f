import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MetricsClient } from '@metrics-service/client/push';
import { freePort } from '../support/child-service.js';
import { send } from '../support/http.js';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';

describe('push client', () => {
  const apps: TestApp[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  it('keeps samples while the service is down, backs off, and delivers them once it is up', async () => {
    const port = await freePort();
    const errors: Error[] = [];
    const client = new MetricsClient({
      url: `http://127.0.0.1:${String(port)}`,
      token: TEST_ADMIN_TOKEN,
      category: 'business',
      flushIntervalMs: 60_000,
      minRetryDelayMs: 50,
      maxRetryDelayMs: 200,
      onError: (error) => {
        errors.push(error);
        throw new Error('a throwing callback must not break the client');
      },
    });
    client.increment('orders_total', { shop: 'paris' }, 2);
    client.gauge('cart_items', 3);
    client.observe('basket_euros', 42.5, undefined, [10, 50, 100]);
    await client.flush(); // connection refused: no throw, nothing lost
    assert.deepEqual([client.stats().queued, client.stats().failedAttempts], [3, 1]);
    assert.ok(errors.length === 1);

    const t = await startTestApp();
    apps.push(t);
    await t.app.listen({ host: '127.0.0.1', port });
    await new Promise((resolve) => setTimeout(resolve, 250)); // past the back-off
    await client.close();
    assert.deepEqual(client.stats(), { queued: 0, sent: 3, dropped: 0, rejected: 0, failedAttempts: 1 });
    const { body } = await send<{ metrics: { name: string; window: { current: number } }[] }>(
      t.app,
      'GET',
      '/api/metrics/business',
    );
    assert.deepEqual(
      body.metrics.map((m) => [m.name, m.window.current]),
      [
        ['basket_euros', 1],
        ['cart_items', 3],
        ['orders_total', 2],
      ],
    );
  });

  it('drops the oldest samples past its queue size, and counts samples the service refuses', async () => {
    const t = await startTestApp();
    apps.push(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const address = t.app.server.address() as { port: number };
    const warnings: string[] = [];
    const client = new MetricsClient({
      url: `http://127.0.0.1:${String(address.port)}/`,
      token: TEST_ADMIN_TOKEN,
      maxQueueSize: 3,
      maxBatchSize: 2,
      logger: { warn: (message: string) => warnings.push(message) },
    });
    for (let i = 0; i < 5; i++) client.gauge('queue_test', i);
    client.gauge('9 not a name', 1);
    assert.equal(client.stats().dropped, 3);
    await client.close();
    client.gauge('after_close', 1); // ignored, no throw
    assert.deepEqual(client.stats(), { queued: 0, sent: 2, dropped: 3, rejected: 1, failedAttempts: 0 });
    // Each loss said once: the queue overflowed three times, one sample was refused as invalid.
    assert.equal(warnings.length, 2, warnings.join('\n'));
    assert.match(warnings[0]!, /queue full \(3 samples\), dropping the oldest/);
    assert.match(warnings[1]!, /refused 1 samples as invalid/);
    const { body } = await send<{ metrics: { name: string; series: { value: number }[] }[] }>(
      t.app,
      'GET',
      '/api/metrics/summary?name=queue_test',
    );
    assert.equal(body.metrics[0]!.series[0]!.value, 4);
  });

  it("says once, through its logger, that a service refuses its pushes (the README's snippet had no token)", async () => {
    const t = await startTestApp(); // authentication on, the default
    apps.push(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${String((t.app.server.address() as { port: number }).port)}`;
    const warnings: string[] = [];
    const logger = { warn: (message: string) => warnings.push(message) };

    const anonymous = new MetricsClient({ url, maxBatchSize: 2, logger });
    for (const value of [1, 2, 3]) anonymous.gauge('no_token_gauge', value);
    await anonymous.close(); // two batches, both refused
    assert.deepEqual(anonymous.stats(), { queued: 0, sent: 0, dropped: 3, rejected: 0, failedAttempts: 0 });
    assert.equal(warnings.length, 1, warnings.join('\n'));
    assert.match(warnings[0]!, /refused a push with 401, its samples are dropped: set the client's `token`/);

    const { body } = await send<{ token: string }>(t.app, 'POST', '/api/auth/tokens', {
      name: 'reader',
      scopes: ['read'],
    });
    const reader = new MetricsClient({ url, token: body.token, logger });
    reader.gauge('wrong_scope_gauge', 1);
    await reader.close();
    assert.equal(warnings.length, 2);
    assert.match(warnings[1]!, /403.*lacks the ingest scope/);

    // With onError, every refusal goes there and the logger stays quiet (its owner decides what to write).
    const errors: Error[] = [];
    const handled = new MetricsClient({ url, maxBatchSize: 1, logger, onError: (e) => errors.push(e) });
    handled.gauge('no_token_gauge', 1);
    handled.gauge('no_token_gauge', 2);
    await handled.close();
    assert.deepEqual([errors.length, warnings.length], [2, 2]);
  });

  it('writes to console.warn by default, and nothing with logger: false', async () => {
    const t = await startTestApp();
    apps.push(t);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    const url = `http://127.0.0.1:${String((t.app.server.address() as { port: number }).port)}`;
    const written: unknown[] = [];
    const original = console.warn;
    console.warn = (...args: unknown[]) => written.push(...args);
    try {
      const silent = new MetricsClient({ url, logger: false });
      silent.increment('quiet_total');
      await silent.close();
      assert.equal(written.length, 0);
      const defaulted = new MetricsClient({ url });
      defaulted.increment('loud_total');
      await defaulted.close();
    } finally {
      console.warn = original;
    }
    assert.equal(written.length, 1);
    assert.match(String(written[0]), /401/);
  });
});
