import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import { TEST_ADMIN_TOKEN, startTestApp, type TestApp } from '../support/test-app.js';
import { send } from '../support/http.js';
import { requireBinary } from '../support/binaries.js';

interface BatchBody {
  accepted: number;
  rejected: { index: number; code: string; field?: string; reason: string }[];
}

/** The seed's example (README "Ajouter une Métrique Custom"), verbatim. */
const SEED_CURL = `curl -X POST http://localhost:3000/api/metrics/custom \\
  -H "Content-Type: application/json" \\
  -d '{
    "name": "custom_counter",
    "type": "counter",
    "value": 1,
    "labels": {"service": "booking", "endpoint": "/api/bookings"}
  }'`;

describe('ingest API', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({
      MAX_SERIES_PER_METRIC: '3',
      MAX_BATCH_SAMPLES: '100',
      BODY_LIMIT_BYTES: '20000',
    });
  });
  after(async () => {
    await t.close();
  });

  /** Runs a curl command line against a listening app, answering the parsed JSON body. */
  const runCurl = async (app: TestApp, commandLine: string): Promise<Record<string, unknown>> => {
    if (!app.app.server.listening) await app.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.app.server.address() as AddressInfo).port;
    const command = commandLine.replace('localhost:3000', `localhost:${String(port)}`);
    // Asynchronously: the server answering curl runs in this very process.
    return JSON.parse(
      (await promisify(execFile)('sh', ['-c', `${command} -s`], { encoding: 'utf8' })).stdout,
    ) as Record<string, unknown>;
  };

  it("runs the seed's curl example verbatim (but for the port) with AUTH_ENABLED=false", async (ctx) => {
    if (!requireBinary(ctx, 'curl', 'curl')) return;
    // The seed's examples carry no credential: they work as written on a service with authentication off
    // (a trusted private network). With it on, the default, they need the token header (next test).
    const open = await startTestApp({ AUTH_ENABLED: 'false' });
    try {
      const first = await runCurl(open, SEED_CURL);
      assert.equal(first.value, 1);
      const second = await runCurl(open, SEED_CURL);
      assert.deepEqual(
        { ...second, timestamp: 0 },
        {
          status: 'accepted',
          name: 'custom_counter',
          type: 'counter',
          labels: { endpoint: '/api/bookings', service: 'booking' },
          value: 2,
          timestamp: 0,
        },
      );
    } finally {
      await open.close();
    }
  });

  it("refuses the seed's curl without a token when authentication is on, and takes it with one", async (ctx) => {
    if (!requireBinary(ctx, 'curl', 'curl')) return;
    const refused = await runCurl(t, SEED_CURL);
    assert.equal(refused.code, 'authentication_required');
    const withToken = SEED_CURL.replace(
      '-H "Content-Type: application/json"',
      `-H "Content-Type: application/json" -H "Authorization: Bearer ${TEST_ADMIN_TOKEN}"`,
    );
    const accepted = await runCurl(t, withToken);
    assert.equal(accepted.status, 'accepted');
  });

  it('sets gauges, observes histograms and records business metrics', async () => {
    assert.equal(
      (await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_depth', value: 7 })).status,
      200,
    );
    const gauge = await send(t.app, 'POST', '/api/metrics/custom', { name: 'queue_depth', value: 3 });
    assert.equal(gauge.body.value, 3);
    assert.equal(gauge.body.type, 'gauge');
    for (const v of [0.2, 0.7, 3]) {
      const r = await send(t.app, 'POST', '/api/metrics/custom', {
        name: 'job_seconds',
        type: 'histogram',
        value: v,
        buckets: [0.5, 1, 5],
      });
      assert.equal(r.status, 200);
    }
    const business = await send(t.app, 'POST', '/api/metrics/business', {
      name: 'bookings_created_total',
      type: 'counter',
      value: 2,
      labels: { service: 'concert' },
      help: 'Bookings created',
    });
    assert.equal(business.status, 200);
    const list = await send<{ metrics: { name: string; window: { current: number }; help: string }[] }>(
      t.app,
      'GET',
      '/api/metrics/business',
    );
    assert.deepEqual(
      list.body.metrics.map((m) => [m.name, m.window.current, m.help]),
      [['bookings_created_total', 2, 'Bookings created']],
    );
    const summary = await send<{ metrics: { name: string; series: { value: number; sum?: number }[] }[] }>(
      t.app,
      'GET',
      '/api/metrics/summary?name=job_seconds',
    );
    assert.deepEqual(summary.body.metrics[0]!.series[0], {
      ...summary.body.metrics[0]!.series[0],
      value: 3,
      sum: 3.9,
    });
  });

  it('accepts the good items of a batch and lists each rejected one with its index and reason', async () => {
    const r = await send<BatchBody>(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        { name: 'batch_ok', value: 1 },
        { name: 'bad name', value: 1 },
        { name: 'batch_ok', value: 'x' },
        { name: 'batch_counter', type: 'counter', value: -1 },
        { name: 'batch_ok', value: 2, labels: { le: '1' } },
        { name: 'batch_ok', value: 3, timestamp: Date.now() + 3_600_000 },
        { name: 'batch_ok', value: 4, timestamp: 1_000 },
        { name: 'batch_ok', value: 5, labels: { a: 'b' } },
      ],
    });
    assert.equal(r.status, 207);
    assert.equal(r.body.accepted, 2);
    assert.deepEqual(
      r.body.rejected.map((x) => [x.index, x.code, x.field]),
      [
        [1, 'invalid_metric_name', 'name'],
        [2, 'validation_failed', 'value'],
        [3, 'invalid_value', 'value'],
        [4, 'invalid_label_name', 'labels.le'],
        [5, 'sample_in_future', 'timestamp'],
        [6, 'sample_too_old', 'timestamp'],
      ],
    );
    const all = await send<BatchBody & { code: string }>(t.app, 'POST', '/api/metrics/batch', [
      { name: '1x', value: 1 },
    ]);
    assert.equal(all.status, 422);
    assert.match(all.contentType, /application\/problem\+json/);
    assert.equal(all.body.rejected.length, 1);
  });

  it('leaves a series written several times in one batch as the same samples sent one by one would', async () => {
    const r = await send<BatchBody>(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        { name: 'repeat_total', type: 'counter', value: 2 },
        { name: 'repeat_level', value: 5 },
        { name: 'repeat_seconds', type: 'histogram', value: 0.3, buckets: [0.5, 1] },
        { name: 'repeat_total', value: 3 },
        { name: 'repeat_level', value: 1 },
        { name: 'repeat_seconds', value: 0.8 },
        { name: 'repeat_seconds', value: 4 },
      ],
    });
    assert.equal(r.status, 200);
    assert.equal(r.body.accepted, 7);
    const counter = await send(t.app, 'POST', '/api/metrics/custom', { name: 'repeat_total', value: 1 });
    assert.equal(counter.body.value, 6, 'the running total continues from the batch');
    const gauge = await send(t.app, 'POST', '/api/metrics/custom', { name: 'repeat_level', value: 0 });
    assert.equal(gauge.body.value, 0);
    const lines = (await t.app.inject({ method: 'GET', url: '/metrics' })).body.split('\n');
    for (const line of [
      'repeat_seconds_bucket{le="0.5"} 1',
      'repeat_seconds_bucket{le="1"} 2',
      'repeat_seconds_bucket{le="+Inf"} 3',
      'repeat_seconds_sum 5.1',
      'repeat_seconds_count 3',
      'repeat_total 6',
      'repeat_level 0',
    ])
      assert.ok(lines.includes(line), `${line} in /metrics`);
  });

  it('applies an unsorted historical batch in time order and refuses samples older than the series', async () => {
    const now = Date.now();
    const r = await send<BatchBody>(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        { name: 'history_total', type: 'counter', value: 1, timestamp: now - 1000 },
        { name: 'history_total', type: 'counter', value: 1, timestamp: now - 3000 },
        { name: 'history_total', type: 'counter', value: 1, timestamp: new Date(now - 2000).toISOString() },
      ],
    });
    assert.equal(r.status, 200);
    const late = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'history_total',
      value: 1,
      timestamp: now - 5000,
    });
    assert.equal(late.status, 422);
    assert.equal(late.body.code, 'out_of_order_sample');
    const same = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'history_total',
      value: 1,
      timestamp: now - 1000,
    });
    assert.equal(same.body.value, 4, 'a sample at the newest timestamp updates it');
  });

  it('orders a batch whose samples without a timestamp (now) come before older timestamped ones', async () => {
    const now = Date.now();
    const r = await send<BatchBody>(t.app, 'POST', '/api/metrics/batch', {
      metrics: [
        { name: 'mixed_level', value: 3 },
        { name: 'mixed_level', value: 1, timestamp: now - 2000 },
        { name: 'mixed_level', value: 2, timestamp: now - 1000 },
      ],
    });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.accepted, 3);
    const latest = await send(t.app, 'POST', '/api/metrics/custom', { name: 'mixed_level', value: 4 });
    assert.equal(latest.status, 200, 'the newest sample is the one sent without a timestamp');
  });

  it('refuses type and bucket conflicts and reserved names with 409, never overwriting', async () => {
    const conflict = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'queue_depth',
      type: 'counter',
      value: 1,
    });
    assert.equal(conflict.status, 409);
    assert.equal(conflict.body.code, 'metric_type_conflict');
    assert.equal(conflict.body.field, 'type');
    const buckets = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'job_seconds',
      type: 'histogram',
      value: 1,
      buckets: [1, 2],
    });
    assert.equal(buckets.body.code, 'bucket_conflict');
    const derived = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'job_seconds_bucket',
      value: 1,
    });
    assert.equal(derived.body.code, 'metric_type_conflict');
    const reserved = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'process_cpu_seconds_total',
      value: 1,
    });
    assert.equal(reserved.status, 409);
    assert.equal(reserved.body.code, 'reserved_metric_name');
    const gauge = await send<{ metrics: { type: string }[] }>(
      t.app,
      'GET',
      '/api/metrics/summary?name=queue_depth',
    );
    assert.equal(gauge.body.metrics[0]!.type, 'gauge');
  });

  it('enforces the series-per-metric limit and names the cause', async () => {
    for (const id of ['1', '2', '3']) {
      assert.equal(
        (
          await send(t.app, 'POST', '/api/metrics/custom', {
            name: 'per_user',
            value: 1,
            labels: { user: id },
          })
        ).status,
        200,
      );
    }
    const r = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'per_user',
      value: 1,
      labels: { user: '4' },
    });
    assert.equal(r.status, 422);
    assert.equal(r.body.code, 'series_limit_exceeded');
    assert.match(String(r.body.detail), /MAX_SERIES_PER_METRIC=3/);
    assert.equal(
      (
        await send(t.app, 'POST', '/api/metrics/custom', {
          name: 'per_user',
          value: 9,
          labels: { user: '2' },
        })
      ).status,
      200,
    );
  });

  it('answers limits with 413, malformed input with 400/415/422 problem documents', async () => {
    const tooMany = await send(t.app, 'POST', '/api/metrics/batch', {
      metrics: Array.from({ length: 101 }, () => ({ name: 'x', value: 1 })),
    });
    assert.equal(tooMany.status, 413);
    assert.equal(tooMany.body.code, 'too_many_samples');
    const huge = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'x',
      value: 1,
      help: 'h'.repeat(30_000),
    });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.code, 'body_too_large');
    const broken = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":',
    });
    assert.equal(broken.statusCode, 400);
    assert.equal((JSON.parse(broken.body) as { code: string }).code, 'invalid_json');
    const text = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: { 'content-type': 'text/plain' },
      payload: 'x',
    });
    assert.equal(text.statusCode, 415);
    const missing = await send(t.app, 'POST', '/api/metrics/custom', { value: 1 });
    assert.equal(missing.status, 422);
    assert.equal(missing.body.field, 'body.name');
    const proto = await t.app.inject({
      method: 'POST',
      url: '/api/metrics/custom',
      headers: { 'content-type': 'application/json' },
      payload: '{"name":"p","value":1,"labels":{"__proto__":{"polluted":"yes"}}}',
    });
    assert.equal(proto.statusCode, 400);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const tooManyLabels = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'wide',
      value: 1,
      labels: Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`l${i}`, 'v'])),
    });
    assert.equal(tooManyLabels.body.code, 'too_many_labels');
    const longValue = await send(t.app, 'POST', '/api/metrics/custom', {
      name: 'wide',
      value: 1,
      labels: { a: 'v'.repeat(2049) },
    });
    assert.equal(longValue.body.code, 'invalid_label_value');
  });
});

describe('active series limit', () => {
  it('refuses new series past MAX_ACTIVE_SERIES, counting histogram buckets', async () => {
    const t = await startTestApp({ MAX_ACTIVE_SERIES: '10' });
    try {
      const h = await send(t.app, 'POST', '/api/metrics/custom', {
        name: 'h',
        type: 'histogram',
        value: 1,
        buckets: [1, 2, 3],
      });
      assert.equal(h.status, 200); // 3 buckets + +Inf + sum + count = 6 series
      const r = await send<BatchBody>(t.app, 'POST', '/api/metrics/batch', {
        metrics: Array.from({ length: 6 }, (_, i) => ({ name: 'g', value: i, labels: { i: String(i) } })),
      });
      assert.equal(r.body.accepted, 4);
      assert.deepEqual(
        new Set(r.body.rejected.map((x) => x.code)),
        new Set(['active_series_limit_exceeded']),
      );
    } finally {
      await t.close();
    }
  });
});

describe('metric metadata', () => {
  it('takes the HELP text and unit of a later push, durably, and still refuses another type', async () => {
    const first = await startTestApp();
    let second: TestApp | undefined;
    try {
      const header = async (app: TestApp): Promise<string[]> =>
        (
          await app.app.inject({
            method: 'GET',
            url: '/metrics',
            headers: { accept: 'application/openmetrics-text; version=1.0.0' },
          })
        ).body
          .split('\n')
          .filter((line) => line.startsWith('# ') && line.includes('queue_wait_seconds'));
      const push = (app: TestApp, sample: Record<string, unknown>) =>
        send(app.app, 'POST', '/api/metrics/custom', { name: 'queue_wait_seconds', value: 1, ...sample });

      assert.equal((await push(first, { help: 'Old text' })).status, 200);
      assert.ok((await header(first)).includes('# HELP queue_wait_seconds Old text'));
      assert.equal((await push(first, {})).status, 200, 'a push without metadata keeps it');
      assert.ok((await header(first)).includes('# HELP queue_wait_seconds Old text'));

      const batch = await send<BatchBody>(first.app, 'POST', '/api/metrics/batch', [
        { name: 'queue_wait_seconds', value: 2, help: 'Intermediate text' },
        { name: 'queue_wait_seconds', value: 3, help: 'Time a job waits in the queue', unit: 'seconds' },
      ]);
      assert.equal(batch.status, 200);
      assert.deepEqual(await header(first), [
        '# HELP queue_wait_seconds Time a job waits in the queue',
        '# TYPE queue_wait_seconds gauge',
        '# UNIT queue_wait_seconds seconds',
      ]);
      const summary = await send<{ metrics: { help: string; unit: string }[] }>(
        first.app,
        'GET',
        '/api/metrics/summary?name=queue_wait_seconds',
      );
      assert.deepEqual(
        summary.body.metrics.map(({ help, unit }) => ({ help, unit })),
        [{ help: 'Time a job waits in the queue', unit: 'seconds' }],
      );

      const retyped = await push(first, { type: 'counter', help: 'Sneaked in' });
      assert.equal(retyped.status, 409);
      assert.equal(retyped.body.code, 'metric_type_conflict');
      assert.equal(retyped.body.field, 'type');
      assert.match(String(retyped.body.detail), /is a gauge, not a counter/);
      const refused = await send<BatchBody>(first.app, 'POST', '/api/metrics/batch', [
        { name: 'queue_wait_seconds', value: 1, labels: { 'bad-label': 'x' }, help: 'From a refused sample' },
        { name: 'queue_wait_seconds', value: 1 },
      ]);
      assert.equal(refused.status, 207);
      assert.ok(
        (await header(first)).includes('# HELP queue_wait_seconds Time a job waits in the queue'),
        'neither a refused type nor a refused sample changes the metadata',
      );

      await first.stop();
      second = await startTestApp({}, first.dataDir);
      assert.deepEqual((await header(second)).slice(0, 1), [
        '# HELP queue_wait_seconds Time a job waits in the queue',
      ]);
    } finally {
      await second?.stop();
      await first.close();
    }
  });
});
