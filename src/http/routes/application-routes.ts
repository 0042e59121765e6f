import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { QueryEngine } from '../../query/range-query.js';
import { parsePositiveDuration } from '../../query/time-params.js';
import { WindowReader } from '../../query/window-reader.js';
import { errorResponses } from '../problem.js';

const Maybe = Type.Union([Type.Number(), Type.Null()]);
const Latency = Type.Object({ p50: Maybe, p90: Maybe, p95: Maybe, p99: Maybe }, { description: 'Seconds.' });

const RouteSchema = Type.Object({
  method: Type.String(),
  route: Type.String({ description: 'Route template; __unmatched__ for unknown paths.' }),
  requests: Type.Number(),
  ratePerSecond: Type.Number(),
  errorRatio4xx: Type.Number(),
  errorRatio5xx: Type.Number(),
  latencySeconds: Latency,
});

const ApplicationSchema = Type.Object({
  windowSeconds: Type.Number(),
  http: Type.Object({
    requests: Type.Number(),
    ratePerSecond: Type.Number(),
    errorRatio4xx: Maybe,
    errorRatio5xx: Maybe,
    latencySeconds: Latency,
    routes: Type.Array(RouteSchema),
  }),
  activeConnections: Maybe,
  eventLoop: Type.Object({ lagP99Seconds: Maybe, lagMeanSeconds: Maybe, lagMaxSeconds: Maybe }),
  memory: Type.Object({ heapUsedBytes: Maybe, heapTotalBytes: Maybe, residentBytes: Maybe }),
  gc: Type.Object({ collections: Type.Number(), pauseSeconds: Type.Number() }),
  storeQueries: Type.Object({ count: Type.Number(), latencySeconds: Latency }),
});
type Application = Static<typeof ApplicationSchema>;

const REQUESTS = 'metrics_service_http_requests_total';
const DURATION = 'metrics_service_http_request_duration_seconds';
const QUANTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/** GET /api/metrics/application: the service's own traffic and runtime over a window, from its series. */
export function applicationRoutes(deps: { query: QueryEngine }): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/api/metrics/application',
      {
        schema: {
          tags: ['metrics'],
          summary: "The service's own HTTP traffic, latency percentiles, errors, event loop, heap and GC",
          description:
            'Computed from the metrics_service_* series the application collector stores every APPLICATION_COLLECT_INTERVAL; the range query API gives their history.',
          querystring: Type.Object({
            window: Type.String({ default: '5m', description: 'Duration: 30s, 5m, 1h, 1d…' }),
          }),
          response: { 200: ApplicationSchema, ...errorResponses(422) },
        },
      },
      async (request) =>
        applicationSummary(
          new WindowReader(deps.query, parsePositiveDuration(request.query.window, 'window')),
        ),
    );
    return Promise.resolve();
  };
}

function noLatency(): Application['http']['latencySeconds'] {
  return { p50: null, p90: null, p95: null, p99: null };
}

async function latency(
  reader: WindowReader,
  metric: string,
  by?: readonly string[],
): Promise<Map<string, Application['http']['latencySeconds']>> {
  const out = new Map<string, Application['http']['latencySeconds']>();
  for (const [name, q] of Object.entries(QUANTILES)) {
    for (const { labels, value } of await reader.values(metric, { quantile: q }, { by: by ?? [] })) {
      const key = JSON.stringify(labels);
      const entry = out.get(key) ?? noLatency();
      entry[name as keyof typeof QUANTILES] = value;
      out.set(key, entry);
    }
  }
  return out;
}

async function applicationSummary(reader: WindowReader): Promise<Application> {
  const windowSeconds = reader.windowMs / 1000;
  const byRoute = await reader.values(REQUESTS, 'increase', { by: ['method', 'route', 'status_code'] });
  const routes = new Map<string, Static<typeof RouteSchema> & { e4: number; e5: number }>();
  for (const { labels, value } of byRoute) {
    const key = JSON.stringify({ method: labels.method, route: labels.route });
    const route = routes.get(key) ?? {
      method: labels.method ?? '',
      route: labels.route ?? '',
      requests: 0,
      ratePerSecond: 0,
      errorRatio4xx: 0,
      errorRatio5xx: 0,
      latencySeconds: noLatency(),
      e4: 0,
      e5: 0,
    };
    route.requests += value;
    if (labels.status_code?.startsWith('4') === true) route.e4 += value;
    if (labels.status_code?.startsWith('5') === true) route.e5 += value;
    routes.set(key, route);
  }
  let total = 0;
  let e4 = 0;
  let e5 = 0;
  for (const route of routes.values()) {
    total += route.requests;
    e4 += route.e4;
    e5 += route.e5;
  }
  const routeLatency = await latency(reader, DURATION, ['method', 'route']);
  const routeList = [...routes.entries()]
    .map(([key, { e4: four, e5: five, ...route }]) => ({
      ...route,
      ratePerSecond: route.requests / windowSeconds,
      errorRatio4xx: route.requests > 0 ? four / route.requests : 0,
      errorRatio5xx: route.requests > 0 ? five / route.requests : 0,
      latencySeconds: routeLatency.get(key) ?? route.latencySeconds,
    }))
    .sort((a, b) => b.requests - a.requests);
  const overall = (await latency(reader, DURATION)).get('{}') ?? noLatency();
  const gcCount = await reader.values('metrics_service_gc_duration_seconds', 'count', { by: [] });
  const gcSum = await reader.values('metrics_service_gc_duration_seconds', 'sum', { by: [] });
  const queries = await reader.values('metrics_service_store_query_duration_seconds', 'count', { by: [] });
  return {
    windowSeconds,
    http: {
      requests: total,
      ratePerSecond: total / windowSeconds,
      errorRatio4xx: total > 0 ? e4 / total : null,
      errorRatio5xx: total > 0 ? e5 / total : null,
      latencySeconds: overall,
      routes: routeList,
    },
    activeConnections: await reader.value('metrics_service_http_active_connections', 'last'),
    eventLoop: {
      lagP99Seconds: await reader.value('metrics_service_eventloop_lag_p99_seconds', 'last'),
      lagMeanSeconds: await reader.value('metrics_service_eventloop_lag_mean_seconds', 'last'),
      lagMaxSeconds: await reader.value('metrics_service_eventloop_lag_max_seconds', 'max'),
    },
    memory: {
      heapUsedBytes: await reader.value('metrics_service_heap_used_bytes', 'last'),
      heapTotalBytes: await reader.value('metrics_service_heap_total_bytes', 'last'),
      residentBytes: await reader.value('metrics_service_resident_memory_bytes', 'last'),
    },
    gc: { collections: gcCount[0]?.value ?? 0, pauseSeconds: gcSum[0]?.value ?? 0 },
    storeQueries: {
      count: queries[0]?.value ?? 0,
      latencySeconds:
        (await latency(reader, 'metrics_service_store_query_duration_seconds')).get('{}') ?? noLatency(),
    },
  };
}
