import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { decodeAnswer, encodeRequest } from '../../src/receivers/otlp/codec.js';
import { apiToken, bearer } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { exposed, pick } from './otlp-support.js';

const NS = 1_000_000n;
const nanos = (ms: number): string => String(BigInt(Math.round(ms)) * NS);

interface Point {
  attributes?: { key: string; value: { stringValue: string } }[];
  asDouble?: number | string;
  asInt?: string;
  timeUnixNano?: string;
  startTimeUnixNano?: string;
  flags?: number;
}

/** An ExportMetricsServiceRequest as OTLP/JSON writes it, for one resource and one scope. */
function request(service: string, metrics: Record<string, unknown>[]): Record<string, unknown> {
  return {
    resourceMetrics: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeMetrics: [{ scope: { name: 'bad-input' }, metrics }],
      },
    ],
  };
}
const gauge = (name: string, points: Point[]) => ({ name, gauge: { dataPoints: points } });
const counter = (name: string, points: Point[], temporality = 'AGGREGATION_TEMPORALITY_CUMULATIVE') => ({
  name,
  sum: { aggregationTemporality: temporality, isMonotonic: true, dataPoints: points },
});

/** Refusals are clear, never a 500, and a refused point stores nothing; the others of its request do. */
describe('OTLP/HTTP bad input', () => {
  let harness: TestApp;
  let ingest: string;
  before(async () => {
    harness = await startTestApp({
      MAX_LABELS_PER_SERIES: '8',
      MAX_BATCH_SAMPLES: '1000',
      OTLP_MAX_BODY_BYTES: String(4 * 1024 * 1024),
      OTLP_PROMOTE_RESOURCE_ATTRIBUTES: 'deployment.environment',
    });
    ingest = (await apiToken(harness.app, ['ingest'])).token;
  });
  after(async () => {
    await harness.close();
  });

  const postJson = (body: unknown, headers: Record<string, string> = {}) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/json', ...bearer(ingest), ...headers },
      payload: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
    });
  const postProto = (body: Buffer, headers: Record<string, string> = {}) =>
    harness.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'application/x-protobuf', ...bearer(ingest), ...headers },
      payload: body,
    });

  it('answers a truncated protobuf body 400 with a google.rpc.Status naming the stable code', async () => {
    const whole = encodeRequest(request('truncated', [gauge('temperature', [{ asDouble: 21.5 }])]));
    const response = await postProto(whole.subarray(0, whole.length - 5));
    assert.equal(response.statusCode, 400);
    assert.match(String(response.headers['content-type']), /application\/x-protobuf/);
    const status = decodeAnswer('status', response.rawPayload);
    assert.equal(status.code, 3);
    assert.match(String(status.message), /not an OTLP ExportMetricsServiceRequest in protobuf/);
    assert.equal(
      (status.details as { type_url: string }[])[0]?.type_url,
      'type.googleapis.com/google.rpc.ErrorInfo',
    );
    assert.equal((await exposed(harness.app, 'temperature')).length, 0, 'nothing stored');
  });

  it('answers malformed JSON and a wrongly shaped request 400 in JSON', async () => {
    for (const body of ['{"resourceMetrics": [', '[1,2]', '{"resourceMetrics": 5}']) {
      const response = await postJson(body);
      assert.equal(response.statusCode, 400, body);
      const status = response.json<{ code: number; details: { reason: string }[] }>();
      assert.equal(status.code, 3);
      assert.equal(status.details[0]?.reason, 'invalid_otlp_body');
    }
  });

  it('refuses other media types (415) and encodings, and asks for the ingest scope', async () => {
    const text = await harness.app.inject({
      method: 'POST',
      url: '/v1/metrics',
      headers: { 'content-type': 'text/plain', ...bearer(ingest) },
      payload: 'temperature 21.5',
    });
    assert.equal(text.statusCode, 415);
    assert.equal(text.json<{ code: string }>().code, 'unsupported_media_type');
    const brotli = await postJson({ resourceMetrics: [] }, { 'content-encoding': 'br' });
    assert.equal(brotli.statusCode, 415);
    const anonymous = await postJson({ resourceMetrics: [] }, { authorization: '' });
    assert.equal(anonymous.statusCode, 401);
    const read = await postJson(
      { resourceMetrics: [] },
      bearer((await apiToken(harness.app, ['read'])).token),
    );
    assert.equal(read.statusCode, 403);
  });

  it('stops a gzip bomb at OTLP_MAX_BODY_BYTES (413) and takes an honest gzip body', async () => {
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, 0x20));
    assert.ok(bomb.length < 200_000);
    const refused = await postJson(bomb, { 'content-encoding': 'gzip' });
    assert.equal(refused.statusCode, 413);
    assert.equal(refused.json<{ details: { reason: string }[] }>().details[0]?.reason, 'body_too_large');
    const honest = gzipSync(JSON.stringify(request('gzip', [gauge('gzip_temperature', [{ asDouble: 20 }])])));
    const accepted = await postJson(honest, { 'content-encoding': 'gzip' });
    assert.equal(accepted.statusCode, 200, accepted.body);
    assert.equal(pick(await exposed(harness.app, 'gzip_temperature'), 'gzip_temperature').value, 20);
    const corrupt = await postJson(honest.subarray(0, 20), { 'content-encoding': 'gzip' });
    assert.equal(corrupt.statusCode, 400);
  });

  it('refuses more data points than MAX_BATCH_SAMPLES (413), storing none', async () => {
    const points = Array.from({ length: 1001 }, (_, i) => ({
      asDouble: i,
      attributes: [{ key: 'i', value: { stringValue: String(i) } }],
    }));
    const response = await postProto(encodeRequest(request('many', [gauge('many_points', points)])));
    assert.equal(response.statusCode, 413);
    assert.match(String(decodeAnswer('status', response.rawPayload).message), /at most 1000 data points/);
    assert.equal((await exposed(harness.app, 'many_points')).length, 0);
  });

  it('refuses a 10 MB body (413) before reading it all', async () => {
    const response = await postProto(Buffer.alloc(10 * 1024 * 1024, 1));
    assert.equal(response.statusCode, 413);
    assert.match(response.json<{ detail: string }>().detail, /OTLP_MAX_BODY_BYTES/);
  });

  it('answers partial success for refused points and stores the others, NaN/Inf as ADR 0008 says', async () => {
    const now = Date.now();
    const labels = Array.from({ length: 12 }, (_, i) => ({ key: `k${i}`, value: { stringValue: 'v' } }));
    const body = request('partial', [
      gauge('ratio_gauge', [
        { asDouble: 'NaN', attributes: [{ key: 'case', value: { stringValue: 'nan' } }] },
      ]),
      gauge('ratio_gauge', [
        { asDouble: 'Infinity', attributes: [{ key: 'case', value: { stringValue: 'inf' } }] },
      ]),
      counter('infinite_counter', [{ asDouble: 'Infinity', timeUnixNano: nanos(now) }]),
      counter('fine_counter', [{ asInt: '7', timeUnixNano: nanos(now) }]),
      gauge('labelled_gauge', [{ asDouble: 1, attributes: labels }]),
      { name: 'latency_summary', summary: { dataPoints: [{ count: '1', sum: 1 }] } },
      {
        name: 'delta_updown',
        sum: { aggregationTemporality: 1, isMonotonic: false, dataPoints: [{ asInt: '-2' }] },
      },
      gauge('unrecorded_gauge', [{ asDouble: 5, flags: 1 }]),
    ]);
    for (const encoding of ['json', 'protobuf'] as const) {
      const response = encoding === 'json' ? await postJson(body) : await postProto(encodeRequest(body));
      assert.equal(response.statusCode, 200, response.body);
      const answer =
        encoding === 'json'
          ? response.json<{ partialSuccess: { rejectedDataPoints: string; errorMessage: string } }>()
              .partialSuccess
          : (decodeAnswer('response', response.rawPayload).partialSuccess as {
              rejectedDataPoints: number;
              errorMessage: string;
            });
      assert.equal(Number(answer.rejectedDataPoints), 4, answer.errorMessage);
      assert.match(answer.errorMessage, /4 of 7 data points refused/);
      assert.match(answer.errorMessage, /infinite_counter_total: a counter total must be a finite number/);
      assert.match(answer.errorMessage, /labelled_gauge: at most 8 labels/);
      assert.match(answer.errorMessage, /latency_summary: summaries are not stored/);
      assert.match(answer.errorMessage, /delta_updown: a non-monotonic sum with delta temporality/);
    }
    const samples = await exposed(harness.app, '');
    assert.ok(Number.isNaN(pick(samples, 'ratio_gauge', { case: 'nan' }).value));
    assert.equal(pick(samples, 'ratio_gauge', { case: 'inf' }).value, Infinity);
    assert.equal(pick(samples, 'fine_counter_total').value, 7);
    for (const name of [
      'infinite_counter',
      'labelled_gauge',
      'latency_summary',
      'delta_updown',
      'unrecorded',
    ]) {
      assert.equal(samples.filter((s) => s.name.startsWith(name)).length, 0, `${name}: nothing stored`);
    }
  });

  it('reads a moved start time as a counter reset, even when the new total is higher', async () => {
    const now = Date.now();
    const total = (name: string, value: string, start: number, t: number) =>
      counter(name, [{ asInt: value, startTimeUnixNano: nanos(start), timeUnixNano: nanos(t) }]);
    const exports = [
      [
        total('restarted_jobs', '10', now - 120_000, now - 30_000),
        total('steady_jobs', '10', now - 120_000, now - 30_000),
      ],
      [
        total('restarted_jobs', '15', now - 20_000, now - 10_000),
        total('steady_jobs', '15', now - 120_000, now - 10_000),
      ],
    ];
    for (const metrics of exports) {
      assert.equal((await postJson(request('restart', metrics))).statusCode, 200);
    }
    const lowest = async (metric: string): Promise<number> => {
      const query = await harness.app.inject({
        method: 'GET',
        url: `/api/metrics/query?metric=${metric}&start=${now - 29_000}&end=${now}&points=1&window=30s&fn=min`,
      });
      assert.equal(query.statusCode, 200, query.body);
      const series = query.json<{ series: { points: [number, number][] }[] }>().series;
      return Math.min(...series.flatMap((s) => s.points.map((p) => p[1])));
    };
    assert.equal(await lowest('restarted_jobs_total'), 0, 'a zero is stored at the new start');
    assert.equal(await lowest('steady_jobs_total'), 10, 'no zero while the start stays');
    assert.equal(pick(await exposed(harness.app, 'restarted_jobs'), 'restarted_jobs_total').value, 15);
  });

  it('evaluates alert rules on arrival', async () => {
    const rule = await harness.app.inject({
      method: 'POST',
      url: '/api/alerts/rules',
      payload: {
        name: 'Checkout queue high',
        metricName: 'checkout_queue_depth',
        matchers: ['job="alerting"'],
        condition: '>',
        threshold: 100,
        severity: 'warning',
      },
    });
    assert.equal(rule.statusCode, 201, rule.body);
    const response = await postJson(request('alerting', [gauge('checkout.queue.depth', [{ asInt: '150' }])]));
    assert.equal(response.statusCode, 200, response.body);
    const deadline = Date.now() + 10_000;
    let alerts: { ruleName: string; value: unknown }[] = [];
    while (Date.now() < deadline) {
      alerts = (await harness.app.inject({ method: 'GET', url: '/api/alerts' })).json<{
        alerts: { ruleName: string; value: unknown }[];
      }>().alerts;
      if (alerts.some((a) => a.ruleName === 'Checkout queue high')) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(
      alerts.find((a) => a.ruleName === 'Checkout queue high')?.value,
      150,
      JSON.stringify(alerts),
    );
  });

  it('promotes the chosen resource attributes and writes other attribute values as text', async () => {
    const body = {
      resourceMetrics: [
        {
          resource: {
            attributes: [
              { key: 'service.name', value: { stringValue: 'promoted' } },
              { key: 'deployment.environment', value: { stringValue: 'staging' } },
              { key: 'host.cores', value: { intValue: '8' } },
            ],
          },
          scopeMetrics: [
            {
              metrics: [
                gauge('promoted_gauge', [
                  {
                    asDouble: 1,
                    attributes: [
                      { key: 'ok', value: { boolValue: true } as never },
                      {
                        key: 'tags',
                        value: { arrayValue: { values: [{ stringValue: 'a' }, { intValue: 2 }] } } as never,
                      },
                    ],
                  },
                ]),
              ],
            },
          ],
        },
      ],
    };
    assert.equal((await postJson(body)).statusCode, 200);
    const samples = await exposed(harness.app, '');
    assert.deepEqual(pick(samples, 'promoted_gauge').labels, {
      ok: 'true',
      tags: '[\\"a\\",2]', // as the exposition escapes it
      deployment_environment: 'staging',
      job: 'promoted',
    });
    const info = pick(samples, 'target_info', { job: 'promoted' });
    assert.equal(info.labels.host_cores, '8');
    assert.equal(info.labels.deployment_environment, 'staging');
  });
});
