import { context, propagation, trace, SpanStatusCode, type Span, type Tracer } from '@opentelemetry/api';
import type { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const NAME = 'metrics-service';

/**
 * OpenTelemetry tracing, off unless OTEL_ENABLED. Spans are made by hand where the work is (HTTP requests,
 * store queries, probes, notifications): the auto-instrumentations patch modules at load time, which an
 * ESM service cannot do without a loader hook, and the newest releases need Node 22. Context travels in
 * AsyncLocalStorage, so a span started inside a request is that request's child, and W3C `traceparent`
 * headers continue a caller's trace.
 */
let provider: NodeTracerProvider | undefined;
let tracer: Tracer = trace.getTracer(NAME);

/** JAEGER_ENDPOINT is Jaeger's OTLP/HTTP endpoint (port 4318); the path /v1/traces is added when absent. */
export function tracesUrl(endpoint: string): string {
  const url = new URL(endpoint);
  if (!url.pathname.endsWith('/v1/traces')) url.pathname = `${url.pathname.replace(/\/$/, '')}/v1/traces`;
  return url.toString();
}

/**
 * The SDK (context manager, propagator, exporter, provider) is imported here, when OTEL_ENABLED asks for it:
 * loading it costs ~0.3 CPU-s, which a service without tracing should not pay at every start. The API
 * above is the no-op tracer until then.
 */
export async function startTracing(options: {
  serviceName: string;
  version: string;
  endpoint: string;
}): Promise<void> {
  const [
    { AsyncLocalStorageContextManager },
    { W3CTraceContextPropagator },
    { OTLPTraceExporter },
    { resourceFromAttributes },
    { BatchSpanProcessor, NodeTracerProvider },
  ] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-node'),
  ]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': options.serviceName,
      'service.version': options.version,
    }),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(options.endpoint) }), {
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  tracer = provider.getTracer(NAME, options.version);
}

/** Sends what is buffered and stops (service shutdown). */
export async function stopTracing(): Promise<void> {
  const current = provider;
  provider = undefined;
  tracer = trace.getTracer(NAME);
  await current?.shutdown();
}

export async function flushTracing(): Promise<void> {
  await provider?.forceFlush();
}

export function getTracer(): Tracer {
  return tracer;
}

/** Runs `work` in a span (a child of the active one), recording an exception as the span's error. */
export async function inSpan<T>(
  name: string,
  attributes: Record<string, string | number>,
  work: (span: Span) => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      throw error;
    } finally {
      span.end();
    }
  });
}

/** The active trace and span ids for a log line, or nothing outside a span. */
export function traceFields(): { trace_id?: string; span_id?: string } {
  const span = trace.getActiveSpan();
  if (span === undefined) return {};
  const { traceId, spanId } = span.spanContext();
  return { trace_id: traceId, span_id: spanId };
}
