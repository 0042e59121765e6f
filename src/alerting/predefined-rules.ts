import type { RuleInput } from './rule-schema.js';

/**
 * The seed's six rules, present out of the box (origin builtin): they can be disabled or changed with
 * PUT like any rule, and deleted. Thresholds as the seed gives them. A seventh, `alertmanager`, holds the
 * channels of alerts received from Alertmanager.
 */
export const PREDEFINED_RULES: readonly (RuleInput & { id: string })[] = [
  {
    id: 'high-cpu',
    name: 'High CPU usage',
    metricName: 'system_cpu_usage_ratio',
    aggregation: { fn: 'avg', window: '5m' },
    condition: '>',
    threshold: 0.8,
    for: '5m',
    severity: 'warning',
    annotations: {
      summary: 'CPU usage is {{value | humanizePercentage}} (over {{threshold | humanizePercentage}})',
    },
  },
  {
    id: 'low-memory',
    name: 'Low available memory',
    metricName: 'system_memory_available_bytes',
    aggregation: { fn: 'avg', window: '5m' },
    divideBy: { metricName: 'system_memory_total_bytes' },
    condition: '<',
    threshold: 0.1,
    for: '5m',
    severity: 'high',
    annotations: {
      summary:
        'Only {{value | humanizePercentage}} of the memory is available (under {{threshold | humanizePercentage}})',
    },
  },
  {
    id: 'high-error-rate',
    name: 'High HTTP error rate',
    metricName: 'metrics_service_http_requests_total',
    matchers: ['status_code=~"5.."'],
    aggregation: { fn: 'rate', window: '5m' },
    divideBy: {},
    condition: '>',
    threshold: 0.05,
    for: '5m',
    severity: 'high',
    annotations: {
      summary:
        '{{value | humanizePercentage}} of requests fail with 5xx (over {{threshold | humanizePercentage}})',
    },
  },
  {
    id: 'high-latency',
    name: 'High P95 latency',
    metricName: 'metrics_service_http_request_duration_seconds',
    // Login and password changes run scrypt on purpose (≈100 ms+ each, seconds under a burst): they are
    // slow by design and would otherwise own the service's latency SLI. They have their own series.
    matchers: ['route!~"/api/auth/.*"'],
    aggregation: { fn: 'p95', window: '5m', by: [] },
    condition: '>',
    threshold: 1,
    for: '5m',
    severity: 'warning',
    annotations: {
      summary: 'P95 latency is {{value | humanizeDuration}} (over {{threshold | humanizeDuration}})',
    },
  },
  {
    id: 'service-down',
    name: 'Service down',
    kind: 'health',
    healthState: 'down',
    severity: 'critical',
    annotations: { summary: '{{labels.service}} is down: {{labels.reason}}' },
  },
  {
    id: 'low-disk',
    name: 'Low disk space',
    metricName: 'system_filesystem_avail_bytes',
    aggregation: { fn: 'last', window: '5m', by: ['mountpoint'] },
    divideBy: { metricName: 'system_filesystem_size_bytes' },
    condition: '<',
    threshold: 0.1,
    for: '5m',
    severity: 'high',
    annotations: {
      summary:
        'Only {{value | humanizePercentage}} of {{labels.mountpoint}} is free (under {{threshold | humanizePercentage}})',
    },
  },
  {
    id: 'alertmanager',
    name: 'Alertmanager',
    kind: 'external',
    severity: 'warning',
  },
];
