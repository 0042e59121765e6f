import type { MetricType } from '../domain/metric.js';

/**
 * The names a family occupies in the exposition formats. Two families may not share one, or /metrics
 * would hold two TYPE lines for one name and Prometheus would refuse the whole scrape:
 * a histogram `x` writes `x_bucket`, `x_sum`, `x_count`; OpenMetrics writes a counter `x` as `x_total`.
 */
export function exposedNames(name: string, type: MetricType): string[] {
  switch (type) {
    case 'histogram':
      return [name, `${name}_bucket`, `${name}_sum`, `${name}_count`];
    case 'counter':
      return [name, name.endsWith('_total') ? name.slice(0, -'_total'.length) : `${name}_total`];
    case 'gauge':
      return [name];
  }
}
