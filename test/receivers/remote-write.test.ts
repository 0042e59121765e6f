import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isStaleMarker } from '../../src/receivers/remote-write/to-samples.js';
import {
  encodeV1,
  encodeV2,
  snappy,
  STALE_NAN,
  TYPE,
  V1_HEADERS,
  V2_HEADERS,
} from '../support/remote-write.js';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

describe('remote write (POST /api/v1/write)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const write = (body: Uint8Array, headers: Record<string, string> = V1_HEADERS) =>
    t.app.inject({ method: 'POST', url: '/api/v1/write', headers, payload: Buffer.from(body) });
  const exposed = async (prefix: string): Promise<string[]> =>
    (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((line) => line.startsWith(prefix));
  const now = Date.now();

  it('stores 1.0 counters, gauges and a classic histogram flat, with the sender’s names and metadata', async () => {
    const meta = encodeV1(
      [],
      [
        { metric_family_name: 'rw_requests_total', type: TYPE.counter, help: 'Requests served.' },
        { metric_family_name: 'rw_latency_seconds', type: TYPE.histogram, help: 'Latency.', unit: 'seconds' },
      ],
    );
    const m = await write(snappy(meta));
    assert.equal(m.statusCode, 204, m.body);
    const r = await write(
      snappy(
        encodeV1([
          {
            labels: { __name__: 'rw_requests_total', job: 'api', code: '200' },
            samples: [
              { value: 7, timestamp: now - 2000 },
              { value: 9, timestamp: now - 1000 },
            ],
          },
          {
            labels: { __name__: 'rw_temperature', job: 'api' },
            samples: [{ value: -3.5, timestamp: now - 1000 }],
          },
          {
            labels: { __name__: 'rw_latency_seconds_bucket', job: 'api', le: '0.1' },
            samples: [{ value: 2, timestamp: now - 1000 }],
          },
          {
            labels: { __name__: 'rw_latency_seconds_bucket', job: 'api', le: '+Inf' },
            samples: [{ value: 3, timestamp: now - 1000 }],
          },
          {
            labels: { __name__: 'rw_latency_seconds_sum', job: 'api' },
            samples: [{ value: 0.42, timestamp: now - 1000 }],
          },
          {
            labels: { __name__: 'rw_latency_seconds_count', job: 'api' },
            samples: [{ value: 3, timestamp: now - 1000 }],
          },
        ]),
      ),
    );
    assert.equal(r.statusCode, 204, r.body);
    assert.equal(r.headers['x-prometheus-remote-write-samples-written'], '7');
    assert.deepEqual(await exposed('rw_requests_total'), ['rw_requests_total{code="200",job="api"} 9']);
    assert.deepEqual(await exposed('rw_temperature'), ['rw_temperature{job="api"} -3.5']);
    assert.deepEqual(await exposed('rw_latency_seconds_bucket'), [
      'rw_latency_seconds_bucket{job="api",le="0.1"} 2',
      'rw_latency_seconds_bucket{job="api",le="+Inf"} 3',
    ]);
    assert.deepEqual(await exposed('rw_latency_seconds_count'), ['rw_latency_seconds_count{job="api"} 3']);
    const body = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    assert.match(body, /# HELP rw_requests_total Requests served\.\n# TYPE rw_requests_total counter/);
    // Cumulative series without `_total` are gauges: a counter would be renamed `…_bucket_total` in
    // OpenMetrics and PromQL, and histogram_quantile would find no buckets.
    assert.match(body, /# TYPE rw_latency_seconds_bucket gauge/);
    assert.match(body, /# TYPE rw_latency_seconds_sum gauge/);
    assert.match(body, /# TYPE rw_temperature gauge/);
    const quantile = await t.app.inject({
      method: 'GET',
      url: `/api/v1/query?query=${encodeURIComponent('histogram_quantile(0.5, rw_latency_seconds_bucket)')}`,
    });
    assert.equal(quantile.statusCode, 200, quantile.body);
    const result = quantile.json<{ data: { result: { metric: object; value: [number, string] }[] } }>().data
      .result;
    assert.deepEqual(
      result.map((r) => [r.metric, r.value[1]]),
      [[{ job: 'api' }, '0.07500000000000001']], // Prometheus' float arithmetic: 0.1 * 1.5 / 2
      'PromQL sees the buckets under the names they were sent with',
    );
    const names = await t.app.inject({ method: 'GET', url: '/api/v1/label/__name__/values' });
    assert.ok(
      names.json<{ data: string[] }>().data.includes('rw_latency_seconds_count'),
      `names as sent: ${names.body}`,
    );
  });

  it('answers the counter totals through the query API', async () => {
    const r = await t.app.inject({
      method: 'GET',
      url: '/api/metrics/query?metric=rw_requests_total&duration=1h',
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(r.body, /"code":"200"/);
  });

  it('negotiates 2.0 by content type, resolves the symbol table and says what it wrote', async () => {
    const r = await write(
      snappy(
        encodeV2([
          {
            labels: { __name__: 'rw2_jobs_total', queue: 'mail' },
            samples: [{ value: 12, timestamp: now - 500 }],
            metadata: { type: TYPE.counter, help: 'Jobs done.' },
            exemplars: 2,
          },
          {
            labels: { __name__: 'rw2_depth', queue: 'mail' },
            samples: [{ value: Number.POSITIVE_INFINITY, timestamp: now - 500 }],
          },
        ]),
      ),
      V2_HEADERS,
    );
    assert.equal(r.statusCode, 204, r.body);
    assert.equal(r.headers['x-prometheus-remote-write-samples-written'], '2');
    assert.equal(r.headers['x-prometheus-remote-write-histograms-written'], '0');
    assert.equal(r.headers['x-prometheus-remote-write-exemplars-written'], '0');
    assert.deepEqual(await exposed('rw2_jobs_total'), ['rw2_jobs_total{queue="mail"} 12']);
    assert.deepEqual(await exposed('rw2_depth'), ['rw2_depth{queue="mail"} +Inf']);
    assert.match(
      (await t.app.inject({ method: 'GET', url: '/metrics' })).body,
      /# HELP rw2_jobs_total Jobs done\./,
    );
  });

  it('answers 415 with the supported protos for another one, and for another encoding', async () => {
    const body = snappy(encodeV1([]));
    const r = await write(body, {
      ...V1_HEADERS,
      'content-type': 'application/x-protobuf;proto=io.prometheus.write.v3.Request',
    });
    assert.equal(r.statusCode, 415);
    assert.match(r.body, /io\.prometheus\.write\.v2\.Request/);
    assert.match(r.body, /prometheus\.WriteRequest/);
    const json = await write(body, { ...V1_HEADERS, 'content-type': 'application/json' });
    assert.equal(json.statusCode, 415);
    const gzip = await write(body, { ...V1_HEADERS, 'content-encoding': 'gzip' });
    assert.equal(gzip.statusCode, 415);
    assert.match(gzip.body, /snappy/);
  });

  it('refuses bad bodies with 400 and a code, storing nothing', async () => {
    const good = encodeV1([
      { labels: { __name__: 'rw_bad_one', a: 'b' }, samples: [{ value: 1, timestamp: now }] },
    ]);
    const truncated = snappy(good.subarray(0, good.length - 3));
    const framed = Buffer.concat([
      Buffer.from([0xff, 6, 0, 0, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59]),
      snappy(good),
    ]);
    const notSnappy = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const duplicate = snappy(
      encodeV1(
        [
          { labels: { __name__: 'rw_bad_two', a: 'b', b: 'c' }, samples: [{ value: 1, timestamp: now }] },
          { labels: { a: 'x', __name__: 'rw_bad_one' }, samples: [{ value: 1, timestamp: now }] },
        ],
        [],
        true,
      ),
    );
    const cases: [string, Buffer, string][] = [
      ['truncated protobuf', truncated, 'invalid_protobuf'],
      ['snappy framing', framed, 'invalid_snappy'],
      ['not snappy', notSnappy, 'invalid_snappy'],
      ['unsorted labels', duplicate, 'invalid_series'],
      ['raw protobuf, not compressed', Buffer.from(good), 'invalid_snappy'],
    ];
    for (const [what, body, code] of cases) {
      const r = await write(body);
      assert.equal(r.statusCode, 400, `${what}: ${r.body}`);
      assert.match(String(r.headers['content-type']), /problem\+json/);
      assert.equal(r.json<{ code: string }>().code, code, what);
    }
    assert.deepEqual(await exposed('rw_bad_'), []);
  });

  it('refuses repeated labels and a missing __name__ before storing anything', async () => {
    const { WriteRequestV1 } = await import('../../src/receivers/remote-write/codec.js');
    const raw = (labels: [string, string][]) =>
      snappy(
        WriteRequestV1.encode(
          WriteRequestV1.fromObject({
            timeseries: [
              {
                labels: [{ name: '__name__', value: 'rw_ok_first' }],
                samples: [{ value: 1, timestamp: now }],
              },
              {
                labels: labels.map(([name, value]) => ({ name, value })),
                samples: [{ value: 1, timestamp: now }],
              },
            ],
          }),
        ).finish(),
      );
    for (const labels of [
      [
        ['__name__', 'rw_x'],
        ['a', '1'],
        ['a', '2'],
      ],
      [['a', '1']],
      [
        ['__name__', 'rw_x'],
        ['a', ''],
      ],
    ] as [string, string][][]) {
      const r = await write(raw(labels));
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json<{ code: string }>().code, 'invalid_series');
    }
    assert.deepEqual(await exposed('rw_ok_first'), []);
  });

  it('stores NaN and ±Inf gauges, skips staleness markers, refuses a NaN counter with a partial 400', async () => {
    assert.ok(isStaleMarker(STALE_NAN));
    assert.ok(!isStaleMarker(Number.NaN));
    const r = await write(
      snappy(
        encodeV1([
          { labels: { __name__: 'rw_ratio' }, samples: [{ value: Number.NaN, timestamp: now }] },
          {
            labels: { __name__: 'rw_floor' },
            samples: [{ value: Number.NEGATIVE_INFINITY, timestamp: now }],
          },
          { labels: { __name__: 'rw_gone' }, samples: [{ value: STALE_NAN, timestamp: now }] },
          { labels: { __name__: 'rw_broken_total' }, samples: [{ value: Number.NaN, timestamp: now }] },
        ]),
      ),
    );
    assert.equal(r.statusCode, 400, r.body);
    assert.equal(r.headers['x-prometheus-remote-write-samples-written'], '2');
    const problem = r.json<{ code: string; refused: number; rejected: { series: string; code: string }[] }>();
    assert.equal(problem.code, 'samples_rejected');
    assert.equal(problem.refused, 1);
    assert.equal(problem.rejected[0]?.series, 'rw_broken_total');
    assert.deepEqual(await exposed('rw_ratio'), ['rw_ratio NaN']);
    assert.deepEqual(await exposed('rw_floor'), ['rw_floor -Inf']);
    assert.deepEqual(await exposed('rw_gone'), []);
  });

  it('reports out-of-order samples and native histograms as refused (4xx: no retry), stores the rest', async () => {
    const series = (value: number, t: number) => ({
      labels: { __name__: 'rw_ordered' },
      samples: [{ value, timestamp: t }],
    });
    assert.equal((await write(snappy(encodeV1([series(1, now)])))).statusCode, 204);
    // A retry of what was already stored (same timestamp) is accepted: senders retry after a 5xx.
    assert.equal((await write(snappy(encodeV1([series(1, now)])))).statusCode, 204);
    const r = await write(
      snappy(
        encodeV1([
          series(0, now - 60_000),
          { labels: { __name__: 'rw_native' }, samples: [], histograms: 2 },
          { labels: { __name__: 'rw_fine' }, samples: [{ value: 5, timestamp: now }] },
        ]),
      ),
    );
    assert.equal(r.statusCode, 400, r.body);
    const problem = r.json<{ rejected: { code: string }[]; refused: number }>();
    assert.deepEqual(problem.rejected.map((x) => x.code).sort(), [
      'native_histogram_unsupported',
      'out_of_order_sample',
    ]);
    assert.equal(problem.refused, 3);
    assert.equal(r.headers['x-prometheus-remote-write-samples-written'], '1');
    assert.deepEqual(await exposed('rw_fine'), ['rw_fine 5']);
    assert.deepEqual(await exposed('rw_ordered'), ['rw_ordered 1']);
  });

  it('refuses a 10 MB body with 413 before reading it, and a body announcing a huge decompressed size', async () => {
    const big = Buffer.alloc(10 * 1024 * 1024, 1);
    const r = await write(big);
    assert.equal(r.statusCode, 413);
    assert.match(r.body, /REMOTE_WRITE_MAX_BODY_BYTES/);
    // A snappy block claiming 2^31 bytes: refused from its header, nothing allocated.
    const bomb = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08, 0x00]);
    const b = await write(bomb);
    assert.equal(b.statusCode, 413, b.body);
    assert.match(b.body, /REMOTE_WRITE_MAX_DECODED_BYTES/);
  });

  it('accepts an empty request, and a metadata-only one', async () => {
    const r = await write(new Uint8Array(0));
    assert.equal(r.statusCode, 204);
  });

  it('authenticates with a bearer token or basic auth (token as password), ingest scope only', async () => {
    const body = snappy(
      encodeV1([{ labels: { __name__: 'rw_auth' }, samples: [{ value: 1, timestamp: now }] }]),
    );
    const as = (authorization: string) => write(body, { ...V1_HEADERS, authorization });
    assert.equal((await as('')).statusCode, 401);
    assert.equal((await as('Basic ' + Buffer.from('prometheus:wrong').toString('base64'))).statusCode, 401);
    assert.equal(
      (await as('Basic ' + Buffer.from(`prometheus:${TEST_ADMIN_TOKEN}`).toString('base64'))).statusCode,
      204,
    );
    const read = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'rw-reader', scopes: ['read'] },
    });
    assert.equal(read.statusCode, 201, read.body);
    const readToken = read.json<{ token: string }>().token;
    assert.equal((await as(`Bearer ${readToken}`)).statusCode, 403);
    const ingest = await t.app.inject({
      method: 'POST',
      url: '/api/auth/tokens',
      payload: { name: 'rw-sender', scopes: ['ingest'] },
    });
    const ingestToken = ingest.json<{ token: string }>().token;
    assert.equal((await as(`Bearer ${ingestToken}`)).statusCode, 204);
    assert.equal((await as('Basic ' + Buffer.from(`x:${ingestToken}`).toString('base64'))).statusCode, 204);
  });
});
