import type { Registry } from 'prom-client';
import { HttpRecorder, type HttpRecorderOptions } from './http-recorder.js';
import { exportToPromClient, type PromExportOptions } from './prom-adapter.js';

/** Options shared by the Express, Fastify and NestJS integrations. */
export interface MetricsOptions extends HttpRecorderOptions, PromExportOptions {
  /** Where the metrics are served (GET); `false` serves nothing (expose `registry` yourself). */
  path?: string | false;
  /** Route templates not recorded, e.g. ['/health']. The metrics path is never recorded. */
  excludeRoutes?: readonly string[];
}

export interface PreparedMetrics {
  recorder: HttpRecorder;
  registry: Registry;
  path: string | false;
  excluded: ReadonlySet<string>;
}

export function prepareMetrics(options: MetricsOptions = {}): PreparedMetrics {
  const recorder = new HttpRecorder(options);
  const registry = exportToPromClient(recorder, options);
  const path = options.path ?? '/metrics';
  const excluded = new Set(options.excludeRoutes ?? []);
  if (path !== false) excluded.add(path);
  return { recorder, registry, path, excluded };
}
