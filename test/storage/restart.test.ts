import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK_MAX_SAMPLES } from '../../src/tsdb/series-head.js';
import { send } from '../support/http.js';
import { startTestApp } from '../support/test-app.js';

const metricsBody = async (app: Awaited<ReturnType<typeof startTestApp>>['app']): Promise<string> =>
  (await app.inject({ method: 'GET', url: '/metrics' })).body
    .split('\n')
    .filter((line) => /^(orders|load|wait)/.test(line))
    .join('\n');

describe('store across restarts', () => {
  it('restores values, histograms and history from chunks and the write-ahead records', async () => {
    const first = await startTestApp({ CHECKPOINT_INTERVAL_MS: '3600000' });
    const start = Date.now() - 7_200_000;
    const metrics: unknown[] = [];
    // more samples than one chunk holds, with decimal, float and integer values
    for (let i = 0; i < CHUNK_MAX_SAMPLES * 2 + 7; i++) {
      const timestamp = start + i * 10_000;
      metrics.push({ name: 'orders_total', type: 'counter', value: i % 3, labels: { shop: 'a' }, timestamp });
      metrics.push({ name: 'load', value: i % 50 === 0 ? Math.PI * i : i / 4, timestamp });
      metrics.push({
        name: 'wait_seconds',
        type: 'histogram',
        value: (i % 10) / 10,
        buckets: [0.25, 0.5],
        timestamp,
      });
    }
    const ingested = await send(first.app, 'POST', '/api/metrics/batch', { metrics });
    assert.equal(ingested.status, 200, JSON.stringify(ingested.body).slice(0, 500));
    await first.services.tsdb.checkpoint(); // half the history in chunks…
    const later = Date.now() - 60_000;
    assert.equal(
      (await send(first.app, 'POST', '/api/metrics/custom', { name: 'load', value: 1.5, timestamp: later }))
        .status,
      200,
    );
    const before = await metricsBody(first.app);
    const history = await send(
      first.app,
      'GET',
      `/api/metrics/query?metric=load&start=${start}&end=${later}&step=10s`,
    );
    // …the rest only in write-ahead records: simulate a crash by not closing the services
    const stats = await first.services.store.stats();
    assert.equal(stats.walEntries, 1);
    await first.app.close();

    const second = await startTestApp({}, first.dataDir);
    try {
      assert.equal(await metricsBody(second.app), before);
      const again = await send(
        second.app,
        'GET',
        `/api/metrics/query?metric=load&start=${start}&end=${later}&step=10s`,
      );
      assert.deepEqual(again.body, history.body);
      const counter = await send<{ value: number }>(second.app, 'POST', '/api/metrics/custom', {
        name: 'orders_total',
        value: 1,
        labels: { shop: 'a' },
      });
      const total = Array.from({ length: CHUNK_MAX_SAMPLES * 2 + 7 }, (_, i) => i % 3).reduce(
        (a, b) => a + b,
        0,
      );
      assert.equal(counter.body.value, total + 1);
    } finally {
      await second.close();
    }
  });

  it('expires series not written for METRICS_TTL and deletes chunks older than it', async () => {
    const t = await startTestApp({ METRICS_TTL: '3600' });
    try {
      const now = Date.now();
      await send(t.app, 'POST', '/api/metrics/batch', {
        metrics: [
          { name: 'stale_gauge', value: 1, timestamp: now - 3_000_000 },
          { name: 'fresh_gauge', value: 1, timestamp: now - 3_000_000 },
          { name: 'fresh_gauge', value: 2, timestamp: now },
        ],
      });
      await t.services.tsdb.checkpoint();
      const retention = t.services.tsdb.retention(3_600_000, () => now + 1_000_000);
      const result = await retention.run();
      assert.deepEqual(result.sets, 1);
      const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.doesNotMatch(body, /^stale_gauge/m);
      assert.match(body, /^fresh_gauge 2$/m);
      const summary = await send<{ metrics: { name: string }[] }>(t.app, 'GET', '/api/metrics/summary');
      assert.deepEqual(
        summary.body.metrics.map((m) => m.name),
        ['fresh_gauge'],
      );
    } finally {
      await t.close();
    }
  });
});
