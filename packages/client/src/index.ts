/**
 * The framework-free core, for a framework without its own entry point and for metrics-service itself:
 * the recorder that counts requests, and its view on a prom-client registry. The integrations are at
 * `@metrics-service/client/express`, `/fastify` and `/nestjs`; the push client at `/push`.
 */
export {
  bucketIndex,
  DEFAULT_HTTP_BUCKETS,
  HttpRecorder,
  OVERFLOW_ROUTE,
  UNMATCHED_ROUTE,
  type HttpRecorderOptions,
  type RouteTotals,
  type StatusLabel,
} from './http-recorder.js';
export { exportToPromClient, type PromExportOptions } from './prom-adapter.js';
export { prepareMetrics, type MetricsOptions, type PreparedMetrics } from './options.js';
