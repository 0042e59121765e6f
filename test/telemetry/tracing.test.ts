import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createServices, type Services } from '../../src/services.js';
import { flushTracing, startTracing, stopTracing, traceFields } from '../../src/telemetry/tracing.js';
import { poll } from '../support/prometheus.js';
import { startTarget, json, type TargetServer } from '../support/target-server.js';
import { ADMIN_AUTH, TEST_AUTH_ENV } from '../support/test-app.js';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
}

/** An OTLP/HTTP receiver (JSON, what the exporter sends to Jaeger's port 4318) keeping every span. */
async function startCollector(): Promise<TargetServer & { spans: OtlpSpan[] }> {
  const target = await startTarget();
  const spans: OtlpSpan[] = [];
  target.route('/v1/traces', (req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[] };
      for (const resource of body.resourceSpans)
        for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  return { ...target, spans };
}

describe('OpenTelemetry tracing (OTEL_ENABLED), exported over OTLP to a real receiver', () => {
  let collector: TargetServer & { spans: OtlpSpan[] };
  let watched: TargetServer;
  let services: Services;
  let app: FastifyInstance;
  let dir: string;
  const lines: Record<string, unknown>[] = [];

  before(async () => {
    collector = await startCollector();
    watched = await startTarget();
    watched.route('/health', json(200, { status: 'ok' }));
    await startTracing({ serviceName: 'metrics-service', version: 'test', endpoint: collector.base });
    dir = mkdtempSync(join(tmpdir(), 'metrics-tracing-'));
    const config = loadConfig({
      ...TEST_AUTH_ENV,
      DATA_DIR: dir,
      SYSTEM_COLLECT_INTERVAL: '0',
      APPLICATION_COLLECT_INTERVAL: '0',
      EGRESS_ALLOWLIST: '127.0.0.1',
      OTEL_ENABLED: 'true',
    });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean))
          lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    const log = pino({ level: 'info', mixin: traceFields }, sink);
    services = await createServices(config, log);
    app = await buildApp(services, { logger: log });
    await app.listen({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await app.close();
    await services.close();
    await stopTracing();
    await collector.close();
    await watched.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('spans requests by route template, store queries, probes and notifications, continuing the caller trace', async () => {
    const base = `http://127.0.0.1:${String((app.server.address() as AddressInfo).port)}`;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const call = (method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: {
          ...ADMIN_AUTH,
          'content-type': 'application/json',
          traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    await call('POST', '/api/metrics/custom', { name: 'traced_value', value: 5 });
    assert.equal((await call('GET', '/api/metrics/query?metric=traced_value&start=now-5m')).status, 200);
    await call('POST', '/api/health/services', { name: 'traced', url: `${watched.base}/health` });
    assert.equal((await call('POST', '/api/health/check', { name: 'traced' })).status, 200);
    await call('POST', '/api/alerts/rules', {
      name: 'Traced',
      metricName: 'traced_value',
      threshold: 10,
      notificationChannels: [{ type: 'webhook', destination: `${collector.base}/hook` }],
    });
    collector.route('/hook', json(200, {}));
    await call('POST', '/api/metrics/custom', { name: 'traced_value', value: 50 });

    const names = await poll(async () => {
      await flushTracing();
      const seen = new Set(collector.spans.map((s) => s.name));
      return ['GET /api/metrics/query', 'store.query', 'probe http', 'notify webhook'].every((n) =>
        seen.has(n),
      )
        ? seen
        : undefined;
    }, 15_000);
    assert.ok(names !== undefined, `spans: ${collector.spans.map((s) => s.name).join(', ')}`);

    const query = collector.spans.find((s) => s.name === 'GET /api/metrics/query')!;
    assert.equal(query.traceId, traceId, 'the caller trace continues');
    assert.equal(query.parentSpanId, '00f067aa0ba902b7');
    const store = collector.spans.find((s) => s.name === 'store.query' && s.traceId === traceId)!;
    assert.equal(store.parentSpanId, query.spanId, 'the store query is a child of its request');
    const check = collector.spans.find((s) => s.name === 'POST /api/health/check')!;
    const probe = collector.spans.find((s) => s.name === 'probe http' && s.parentSpanId === check.spanId);
    assert.ok(probe !== undefined, 'the probe run by POST /api/health/check is its child');
    assert.ok(
      !collector.spans.some((s) => s.name.includes('/api/health/services/traced')),
      'templates, not paths',
    );

    const logged = lines.find((l) => l.trace_id === traceId && typeof l.span_id === 'string');
    assert.ok(logged !== undefined, 'request log lines carry the trace id');
    const completed = lines.find((l) => l.msg === 'request completed' && l.route === '/api/metrics/query');
    assert.equal(completed?.trace_id, traceId, "a request's one log line carries its trace id");
  });

  it('maps JAEGER_ENDPOINT to the OTLP traces path', async () => {
    const { tracesUrl } = await import('../../src/telemetry/tracing.js');
    assert.equal(tracesUrl('http://jaeger:4318'), 'http://jaeger:4318/v1/traces');
    assert.equal(tracesUrl('http://jaeger:4318/v1/traces'), 'http://jaeger:4318/v1/traces');
  });
});
