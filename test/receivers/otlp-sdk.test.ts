import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AddressInfo } from 'node:net';
import {
  AggregationTemporalityPreference,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { defaultResource, resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { apiToken } from '../support/auth.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { exposed, pick } from './otlp-support.js';

/**
 * The real OpenTelemetry JS SDK exporting to the service over HTTP, both exporters (OTLP/JSON and
 * OTLP/protobuf), both temporalities, with an ingest token: the series read back through /metrics and
 * the query API are what the OpenTelemetry-to-Prometheus compatibility spec says they should be.
 */
describe('OTLP/HTTP metrics from the OpenTelemetry JS SDK', () => {
  let harness: TestApp;
  let base: string;
  let token: string;
  before(async () => {
    harness = await startTestApp();
    await harness.app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}`;
    token = (await apiToken(harness.app, ['ingest'])).token;
  });
  after(async () => {
    await harness.close();
  });

  const flavours = [
    { encoding: 'json', temporality: AggregationTemporalityPreference.CUMULATIVE, path: '/v1/metrics' },
    { encoding: 'protobuf', temporality: AggregationTemporalityPreference.DELTA, path: '/otlp/v1/metrics' },
  ] as const;

  for (const flavour of flavours) {
    const label = `${flavour.encoding}, ${flavour.temporality === AggregationTemporalityPreference.DELTA ? 'delta' : 'cumulative'}`;
    it(`maps counters, up-down counters, histograms, gauges and exponential histograms (${label})`, async () => {
      const service = `checkout-${flavour.encoding}`;
      const options = {
        url: `${base}${flavour.path}`,
        headers: { authorization: `Bearer ${token}` },
        temporalityPreference: flavour.temporality,
      };
      const exporter = flavour.encoding === 'json' ? new JsonExporter(options) : new ProtoExporter(options);
      const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
      const provider = new MeterProvider({
        resource: defaultResource().merge(
          resourceFromAttributes({
            'service.name': service,
            'service.namespace': 'shop',
            'service.instance.id': 'pod-1',
            'deployment.environment': 'test',
            'host.name': 'host-a',
          }),
        ),
        readers: [reader],
        views: [
          { instrumentName: 'payload.size', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM } },
          {
            instrumentName: 'http.server.duration',
            aggregation: {
              type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM,
              options: { boundaries: [0.1, 0.5, 1, 5] },
            },
          },
        ],
      });
      const meter = provider.getMeter('otlp-test', '1.2.3');
      const requests = meter.createCounter('http.requests', { unit: '{request}', description: 'Requests' });
      const depth = meter.createUpDownCounter('queue.depth');
      const duration = meter.createHistogram('http.server.duration', { unit: 's' });
      const payload = meter.createHistogram('payload.size', { unit: 'By' });
      meter.createObservableGauge('memory.usage', { unit: 'By' }).addCallback((result) => {
        result.observe(1024, { pool: 'heap' });
      });
      meter.createObservableGauge('cpu.utilization', { unit: '1' }).addCallback((result) => {
        result.observe(0.25);
      });

      requests.add(3, { route: '/a' });
      requests.add(2, { route: '/b' });
      depth.add(5);
      depth.add(-2);
      for (const seconds of [0.05, 0.2, 0.7, 3]) duration.record(seconds);
      for (const bytes of [100, 2000, 3000]) payload.record(bytes);
      await provider.forceFlush();

      const job = { job: `shop/${service}` };
      let samples = await exposed(harness.app, '');
      const route = (r: string) => ({ ...job, route: r });
      const a = pick(samples, 'http_requests_total', route('/a'));
      assert.equal(a.value, 3);
      assert.deepEqual(a.labels, {
        route: '/a',
        job: `shop/${service}`,
        instance: 'pod-1',
        otel_scope_name: 'otlp-test',
        otel_scope_version: '1.2.3',
      });
      assert.equal(pick(samples, 'http_requests_total', route('/b')).value, 2);
      assert.equal(pick(samples, 'queue_depth', job).value, 3);
      assert.equal(pick(samples, 'memory_usage_bytes', { ...job, pool: 'heap' }).value, 1024);
      assert.equal(pick(samples, 'cpu_utilization_ratio', job).value, 0.25);
      const bucket = (le: string) =>
        pick(samples, 'http_server_duration_seconds_bucket', { ...job, le }).value;
      assert.deepEqual(
        ['0.1', '0.5', '1', '5', '+Inf'].map(bucket),
        [1, 2, 3, 4, 4],
        'explicit bounds become the histogram buckets',
      );
      assert.equal(pick(samples, 'http_server_duration_seconds_count', job).value, 4);
      assert.ok(Math.abs(pick(samples, 'http_server_duration_seconds_sum', job).value - 3.95) < 1e-9);
      const size = (le: string) => pick(samples, 'payload_size_bytes_bucket', { ...job, le }).value;
      assert.deepEqual(
        ['64', '128', '1024', '2048', '4096', '+Inf'].map(size),
        [0, 1, 1, 2, 3, 3],
        'the exponential histogram is converted exactly to powers of two',
      );
      assert.equal(pick(samples, 'payload_size_bytes_sum', job).value, 5100);
      const info = pick(samples, 'target_info', job);
      assert.equal(info.value, 1);
      assert.equal(info.labels.instance, 'pod-1');
      assert.equal(info.labels.deployment_environment, 'test');
      assert.equal(info.labels.host_name, 'host-a');
      assert.equal(info.labels.telemetry_sdk_language, 'nodejs');
      assert.equal(info.labels.service_name, undefined, 'service.name is in job, not repeated');

      // A second export: cumulative totals are set, deltas added; both read as the running total.
      requests.add(4, { route: '/a' });
      duration.record(0.3);
      depth.add(-1);
      await provider.forceFlush();
      samples = await exposed(harness.app, '');
      assert.equal(pick(samples, 'http_requests_total', route('/a')).value, 7);
      assert.equal(pick(samples, 'http_requests_total', route('/b')).value, 2);
      assert.equal(pick(samples, 'queue_depth', job).value, 2);
      assert.equal(pick(samples, 'http_server_duration_seconds_count', job).value, 5);
      assert.equal(bucket('0.5'), 3);

      // The query API reads the same series.
      const query = await harness.app.inject({
        method: 'GET',
        url: `/api/metrics/query?metric=http_requests_total&match=${encodeURIComponent(`job="shop/${service}"`)}&match=${encodeURIComponent('route="/a"')}&start=now-5m`,
      });
      assert.equal(query.statusCode, 200, query.body);
      assert.match(query.body, /"route":"\/a"/);
      assert.match(query.body, /7/);
      await provider.shutdown();
    });
  }
});
