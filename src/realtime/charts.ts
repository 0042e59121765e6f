import { DomainError } from '../domain/errors.js';
import type { Labels } from '../domain/metric.js';
import { parseFunction, type QueryFunction } from '../query/functions.js';
import type { LabelMatcher } from '../query/matchers.js';
import type { Services } from '../services.js';

export const CHART_TYPES = ['system', 'application', 'business', 'health', 'alerts'] as const;
export type ChartType = (typeof CHART_TYPES)[number];

export interface ChartSeries {
  name: string;
  labels: Labels;
  points: [number, number][];
}

interface Panel {
  name: string;
  metric: string;
  fn: QueryFunction | undefined;
  matchers?: LabelMatcher[];
  by?: string[];
}

/**
 * Login and password changes are slow by design (scrypt): they stay out of the latency SLI, as in the
 * predefined "High P95 latency" rule, so two logins do not draw a 9 s P95.
 */
export const NOT_AUTH_ROUTES: LabelMatcher = { label: 'route', op: '!~', value: '/api/auth/.*' };

const FIXED: Partial<Record<ChartType, Panel[]>> = {
  system: [
    { name: 'cpu_usage_ratio', metric: 'system_cpu_usage_ratio', fn: 'avg', by: [] },
    { name: 'memory_used_bytes', metric: 'system_memory_used_bytes', fn: 'avg', by: [] },
    { name: 'memory_total_bytes', metric: 'system_memory_total_bytes', fn: 'last', by: [] },
    { name: 'load1', metric: 'system_load1', fn: 'avg', by: [] },
  ],
  application: [
    { name: 'requests_per_second', metric: 'metrics_service_http_requests_total', fn: 'rate', by: [] },
    {
      name: 'errors_per_second',
      metric: 'metrics_service_http_requests_total',
      fn: 'rate',
      by: [],
      matchers: [{ label: 'status_code', op: '=~', value: '5..|5xx' }],
    },
    {
      name: 'latency_p50_seconds',
      metric: 'metrics_service_http_request_duration_seconds',
      fn: { quantile: 0.5 },
      by: [],
      matchers: [NOT_AUTH_ROUTES],
    },
    {
      name: 'latency_p95_seconds',
      metric: 'metrics_service_http_request_duration_seconds',
      fn: { quantile: 0.95 },
      by: [],
      matchers: [NOT_AUTH_ROUTES],
    },
    {
      name: 'latency_p99_seconds',
      metric: 'metrics_service_http_request_duration_seconds',
      fn: { quantile: 0.99 },
      by: [],
      matchers: [NOT_AUTH_ROUTES],
    },
  ],
  health: [
    { name: 'response_time_seconds', metric: 'probe_duration_seconds', fn: 'avg', by: ['service'] },
    { name: 'success_ratio', metric: 'probe_success', fn: 'avg', by: ['service'] },
  ],
};

/**
 * Series ready to plot for one overview panel, between start and end every step. Business charts are
 * every business metric (rates for counters, averages for gauges, p95 for histograms); alerts are counts
 * of firing alerts by severity over time, from the alert history.
 */
export async function chartSeries(
  services: Services,
  type: string,
  range: { start: number; end: number; stepMs: number },
): Promise<ChartSeries[]> {
  if (!(CHART_TYPES as readonly string[]).includes(type))
    throw new DomainError(
      'chart_not_found',
      404,
      `no chart "${type}": use ${CHART_TYPES.join(', ')}`,
      'type',
    );
  const chart = type as ChartType;
  if (chart === 'alerts') return alertSeries(services, range);
  const panels: Panel[] =
    chart === 'business'
      ? services.reader.families({ category: 'business' }).map((f) => ({
          name: f.def.name,
          metric: f.def.name,
          fn:
            f.def.type === 'counter'
              ? ('rate' as const)
              : parseFunction(undefined, f.def.type) === 'last'
                ? ('avg' as const)
                : undefined,
          by: [],
        }))
      : (FIXED[chart] ?? []);
  const out: ChartSeries[] = [];
  for (const panel of panels) {
    const family = services.reader.family(panel.metric);
    if (family === undefined) continue;
    const result = await services.query.range({
      metric: panel.metric,
      matchers: panel.matchers ?? [],
      start: range.start,
      end: range.end,
      stepMs: range.stepMs,
      windowMs: Math.max(range.stepMs, 60_000),
      fn: panel.fn ?? parseFunction(undefined, family.def.type),
      ...(panel.by === undefined ? {} : { by: panel.by }),
    });
    for (const series of result.series)
      out.push({ name: panel.name, labels: series.labels, points: series.points });
  }
  return out;
}

async function alertSeries(
  services: Services,
  range: { start: number; end: number; stepMs: number },
): Promise<ChartSeries[]> {
  const stored = await services.alerting.store.listAlerts({
    from: range.start,
    to: range.end,
    limit: 10_000,
  });
  const alerts = stored.map(
    (s) => JSON.parse(s.data) as { severity: string; firedAt?: number; resolvedAt?: number },
  );
  const severities = [...new Set(alerts.map((a) => a.severity))].sort();
  const steps: number[] = [];
  for (let t = range.end; t >= range.start && steps.length < 11_000; t -= range.stepMs) steps.unshift(t);
  return severities.map((severity) => ({
    name: 'firing_alerts',
    labels: { severity },
    points: steps.map((t): [number, number] => [
      t,
      alerts.filter(
        (a) =>
          a.severity === severity &&
          a.firedAt !== undefined &&
          a.firedAt <= t &&
          (a.resolvedAt ?? Infinity) > t,
      ).length,
    ]),
  }));
}
