import { collectDefaultMetrics, register as globalRegistry, type Metric, type Registry } from 'prom-client';
import type { HttpRecorder, RouteTotals } from './http-recorder.js';

interface MetricValue {
  labels: Record<string, string | number>;
  value: number;
  metricName?: string;
}

/**
 * A read-only prom-client metric backed by the recorder: the registry asks for values at scrape time,
 * so the request path never touches prom-client. prom-client renders any object with this shape.
 */
class RecorderView {
  readonly aggregator = 'sum';
  constructor(
    public name: string,
    readonly help: string,
    readonly type: 'counter' | 'histogram',
    private readonly recorder: HttpRecorder,
  ) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: MetricValue[] } {
    const values: MetricValue[] = [];
    for (const totals of this.recorder.all()) {
      if (this.type === 'counter') values.push({ labels: labelsOf(totals), value: totals.count });
      else this.pushHistogram(totals, values);
    }
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  private pushHistogram(totals: RouteTotals, values: MetricValue[]): void {
    const labels = labelsOf(totals);
    const bounds = this.recorder.buckets;
    let cumulative = 0;
    for (let i = 0; i <= bounds.length; i++) {
      cumulative += totals.buckets[i]!;
      values.push({
        metricName: `${this.name}_bucket`,
        labels: { ...labels, le: i < bounds.length ? bounds[i]! : '+Inf' },
        value: cumulative,
      });
    }
    values.push({ metricName: `${this.name}_sum`, labels, value: totals.sum });
    values.push({ metricName: `${this.name}_count`, labels, value: totals.count });
  }
}

function labelsOf(totals: RouteTotals): Record<string, string> {
  return { method: totals.method, route: totals.route, status_code: totals.status };
}

/** prom-client's gauges named like counters: `promtool check metrics` exits 3 on them. */
const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
] as const;

export interface PromExportOptions {
  /** Prepended to every metric name, like the seeds' `tumulte_`. */
  prefix?: string;
  /** Where the metrics are registered: prom-client's global registry by default, so an app's own
   * prom-client metrics show on the same /metrics. Pass the app's registry when it has its own copy. */
  registry?: Registry;
  /**
   * Process and Node.js metrics (CPU, memory, event loop, GC), added once per registry. `true` (default):
   * prom-client's set without its three `nodejs_active_{handles,requests,resources}_total` gauges, whose
   * `_total` suffix makes `promtool check metrics` fail (a suffix reserved for counters); the same numbers
   * remain as `sum(nodejs_active_handles)` etc., the by-type gauges. `'all'`: prom-client's set as is.
   * `false`: none.
   */
  defaultMetrics?: boolean | 'all';
}

/** Registers `<prefix>http_requests_total` and `<prefix>http_request_duration_seconds` on a registry. */
export function exportToPromClient(recorder: HttpRecorder, options: PromExportOptions = {}): Registry {
  const registry = options.registry ?? globalRegistry;
  const prefix = options.prefix ?? '';
  const views = [
    new RecorderView(
      `${prefix}http_requests_total`,
      'HTTP requests, by method, route template and status.',
      'counter',
      recorder,
    ),
    new RecorderView(
      `${prefix}http_request_duration_seconds`,
      'HTTP request duration in seconds, by method, route template and status.',
      'histogram',
      recorder,
    ),
  ];
  for (const view of views) registry.registerMetric(view as unknown as Metric);
  const defaults = options.defaultMetrics ?? true;
  // Left alone when the registry already has them (the app's own collectDefaultMetrics call, or a second
  // integration on the same registry).
  if (defaults !== false && registry.getSingleMetric(`${prefix}process_cpu_seconds_total`) === undefined) {
    collectDefaultMetrics({ register: registry, prefix });
    if (defaults === true) {
      for (const name of LINT_FAILING_DEFAULTS) registry.removeSingleMetric(`${prefix}${name}`);
    }
  }
  return registry;
}
