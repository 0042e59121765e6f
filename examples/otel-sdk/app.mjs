// A Node service instrumented with the OpenTelemetry metrics SDK, exporting over OTLP/HTTP to
// metrics-service. Configured the standard OpenTelemetry way, through the environment:
//   OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=http://localhost:3000/v1/metrics \
//   OTEL_EXPORTER_OTLP_METRICS_HEADERS="authorization=Bearer <ingest token>" \
//   OTEL_SERVICE_NAME=orders PORT=4005 node examples/otel-sdk/app.mjs
// OTEL_EXPORTER_OTLP_METRICS_PROTOCOL chooses http/protobuf (default) or http/json;
// OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE cumulative (default) or delta;
// OTEL_METRIC_EXPORT_INTERVAL the export period in ms (default 10000).
import { Buffer } from 'node:buffer';
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { metrics } from '@opentelemetry/api';
import { OTLPMetricExporter as JsonExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtobufExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';

// Both exporters read OTEL_EXPORTER_OTLP_METRICS_ENDPOINT, _HEADERS and _TEMPORALITY_PREFERENCE themselves.
const exporter =
  process.env.OTEL_EXPORTER_OTLP_METRICS_PROTOCOL === 'http/json'
    ? new JsonExporter()
    : new ProtobufExporter();

const provider = new MeterProvider({
  // service.name from OTEL_SERVICE_NAME, more from OTEL_RESOURCE_ATTRIBUTES: job, instance and target_info.
  resource: defaultResource()
    .merge(resourceFromAttributes({ 'service.instance.id': `${process.pid}` }))
    .merge(detectResources({ detectors: [envDetector] })),
  readers: [
    new PeriodicExportingMetricReader({
      exporter,
      exportIntervalMillis: Number(process.env.OTEL_METRIC_EXPORT_INTERVAL ?? 10_000),
    }),
  ],
  // Response sizes as an exponential histogram: metrics-service stores it with power-of-two buckets.
  views: [
    {
      instrumentName: 'http.server.response.size',
      aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
    },
  ],
});
metrics.setGlobalMeterProvider(provider);

const meter = metrics.getMeter('orders-example', '1.0.0');
// → orders_created_total{status="…"}
const ordersCreated = meter.createCounter('orders.created', { unit: '{order}', description: 'Orders taken' });
// → orders_in_flight (an up-down counter is a gauge in Prometheus)
const inFlight = meter.createUpDownCounter('orders.in_flight', { description: 'Orders being processed' });
// → http_server_request_duration_seconds_bucket / _sum / _count
const duration = meter.createHistogram('http.server.request.duration', {
  unit: 's',
  description: 'Request handling time',
  advice: { explicitBucketBoundaries: [0.005, 0.01, 0.05, 0.1, 0.5, 1] },
});
// → http_server_response_size_bytes_bucket…
const responseSize = meter.createHistogram('http.server.response.size', { unit: 'By' });
// → orders_heap_used_bytes (an observable gauge, read at each export)
meter
  .createObservableGauge('orders.heap.used', { unit: 'By', description: 'V8 heap used' })
  .addCallback((result) => {
    result.observe(process.memoryUsage().heapUsed);
  });

const server = createServer((request, response) => {
  const started = performance.now();
  const route = request.url === '/orders' ? '/orders' : 'unmatched';
  inFlight.add(1);
  const body = JSON.stringify(
    route === '/orders' ? { id: Math.floor(Math.random() * 1e6) } : { error: 'not found' },
  );
  const status = route === '/orders' ? 201 : 404;
  if (status === 201) ordersCreated.add(1, { status: 'created' });
  response.writeHead(status, { 'content-type': 'application/json' }).end(body);
  inFlight.add(-1);
  duration.record((performance.now() - started) / 1000, { route, status_code: String(status) });
  responseSize.record(Buffer.byteLength(body), { route });
});

server.listen(Number(process.env.PORT ?? 4005), '127.0.0.1', () => {
  console.log(`listening ${server.address().port}`);
});

// Export what is left before leaving: a SIGTERM from an orchestrator loses no counts.
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close();
    void provider.shutdown().finally(() => process.exit(0));
  });
}
