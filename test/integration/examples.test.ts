import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { startExample, type Example } from '../support/examples.js';
import { send } from '../support/http.js';
import { poll, startPrometheus } from '../support/prometheus.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

async function hit(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

describe('example apps (Express ESM, Fastify ESM, NestJS CommonJS) scraped by the real prometheus', () => {
  const examples: Example[] = [];
  let service: TestApp;
  before(async () => {
    service = await startTestApp();
    await service.app.listen({ host: '127.0.0.1', port: 0 });
    const serviceUrl = `http://127.0.0.1:${String((service.app.server.address() as AddressInfo).port)}`;
    const ingest = await send<{ token: string }>(service.app, 'POST', '/api/auth/tokens', {
      name: 'express-example',
      scopes: ['ingest'],
    });
    examples.push(
      await startExample('examples/express-app.mjs', {
        METRICS_SERVICE_URL: serviceUrl,
        METRICS_SERVICE_TOKEN: ingest.body.token,
      }),
    );
    examples.push(await startExample('examples/fastify-app.mjs'));
    examples.push(await startExample('examples/nestjs-app.cjs'));
  });
  after(async () => {
    for (const { child } of examples) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    await service.close();
  });

  it('exposes request metrics by route template that Prometheus scrapes and queries', async (ctx) => {
    if (!requireBinary(ctx, 'prometheus', 'prometheus')) return;
    const [express, fastify, nest] = examples as [Example, Example, Example];
    assert.equal(await hit(`${express.url}/bookings/1`), 200);
    assert.equal(await hit(`${express.url}/bookings/2`), 200);
    assert.equal(await hit(`${express.url}/health`), 200);
    assert.equal(await hit(`${fastify.url}/tickets/7`), 200);
    assert.equal(await hit(`${fastify.url}/fail`), 500);
    assert.equal(await hit(`${fastify.url}/nothing/here`), 404);
    assert.equal(await hit(`${nest.url}/events/3`), 200);

    const prometheus = await startPrometheus({
      express: express.url.slice(7),
      fastify: fastify.url.slice(7),
      nestjs: nest.url.slice(7),
    });
    try {
      const value = (promql: string): Promise<string | undefined> =>
        poll(async () => (await prometheus.query(promql))[0]?.value[1], 30_000);
      assert.equal(
        await value('shop_http_requests_total{job="express",route="/bookings/:id"}'),
        '2',
        prometheus.log(),
      );
      assert.equal(
        await value('tickets_http_requests_total{job="fastify",route="/fail",status_code="500"}'),
        '1',
      );
      assert.equal(await value('tickets_http_requests_total{job="fastify",route="__unmatched__"}'), '1');
      assert.equal(await value('events_http_requests_total{job="nestjs",route="/events/:id"}'), '1');
      const p95 = Number(
        await value('histogram_quantile(0.95, sum by (le) (shop_http_request_duration_seconds_bucket))'),
      );
      assert.ok(p95 > 0 && p95 < 10, `P95 from the buckets: ${String(p95)}`);
      assert.ok((await value('shop_process_cpu_seconds_total')) !== undefined);
      assert.equal((await prometheus.query('shop_http_requests_total{route="/health"}')).length, 0);
    } finally {
      await prometheus.stop();
    }
  });

  it('pushes business metrics from the app to metrics-service with the push client', async () => {
    const [express] = examples as [Example];
    assert.equal(await hit(`${express.url}/bookings`, { method: 'POST' }), 201);
    assert.equal(await hit(`${express.url}/bookings`, { method: 'POST' }), 201);
    const total = await poll(async () => {
      const { body } = await send<{ metrics: { name: string; window: { current: number } }[] }>(
        service.app,
        'GET',
        '/api/metrics/business?name=bookings_total',
      );
      const current = body.metrics[0]?.window.current;
      return current === 2 ? current : undefined;
    }, 10_000);
    assert.equal(total, 2);
  });
});

describe('the OpenTelemetry SDK example exporting OTLP to metrics-service', () => {
  let service: TestApp;
  let example: Example | undefined;
  before(async () => {
    service = await startTestApp();
    await service.app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    if (example !== undefined) {
      example.child.kill('SIGKILL');
      await once(example.child, 'exit');
    }
    await service.close();
  });

  it('sends its counters, histograms and gauges with the standard OTEL_* settings', async () => {
    const serviceUrl = `http://127.0.0.1:${String((service.app.server.address() as AddressInfo).port)}`;
    const ingest = await send<{ token: string }>(service.app, 'POST', '/api/auth/tokens', {
      name: 'otel-example',
      scopes: ['ingest'],
    });
    example = await startExample('examples/otel-sdk/app.mjs', {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${serviceUrl}/v1/metrics`,
      OTEL_EXPORTER_OTLP_METRICS_HEADERS: `authorization=Bearer ${ingest.body.token}`,
      OTEL_SERVICE_NAME: 'orders',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
      OTEL_METRIC_EXPORT_INTERVAL: '500',
    });
    assert.equal(await hit(`${example.url}/orders`, { method: 'POST' }), 201);
    assert.equal(await hit(`${example.url}/orders`, { method: 'POST' }), 201);
    assert.equal(await hit(`${example.url}/nothing`), 404);
    const exposition = await poll(async () => {
      const text = (await service.app.inject({ method: 'GET', url: '/metrics' })).body;
      return /orders_created_total\{[^}]*\} 2\n/.test(text) && text.includes('target_info{')
        ? text
        : undefined;
    }, 15_000);
    assert.ok(exposition !== undefined);
    assert.match(exposition, /orders_created_total\{[^}]*job="orders"[^}]*\} 2/);
    assert.match(exposition, /http_server_request_duration_seconds_count\{[^}]*route="\/orders"[^}]*\} 2/);
    assert.match(exposition, /http_server_response_size_bytes_bucket\{/);
    assert.match(exposition, /orders_heap_used_bytes\{[^}]*otel_scope_name="orders-example"/);
    assert.match(exposition, /target_info\{[^}]*deployment_environment="test"/);
  });
});
