#!/usr/bin/env node
// Writes the provisioned Grafana dashboards (deploy/grafana/dashboards/*.json) from one description, so
// every panel has the same shape and the stack test can list every expression. Run after editing:
//   node scripts/grafana-dashboards.mjs
import { writeFileSync } from 'node:fs';

const DS = { type: 'prometheus', uid: 'prometheus' };
// The service itself as a Prometheus datasource (its /api/v1, read token): data pushed to it needs no
// scrape in between (deploy/grafana/provisioning/datasources/datasources.yml).
const SELF = { type: 'prometheus', uid: 'metrics-service' };
const LOKI = { type: 'loki', uid: 'loki' };
const jobVariable = {
  name: 'job',
  label: 'Job',
  type: 'query',
  datasource: DS,
  query: { query: 'label_values(up, job)', refId: 'job' },
  definition: 'label_values(up, job)',
  includeAll: true,
  multi: true,
  current: { text: 'All', value: '$__all' },
  refresh: 2,
};

/** The options of each panel type that has some. */
const OPTIONS = {
  timeseries: { legend: { displayMode: 'list', placement: 'bottom' } },
  logs: { showTime: true, wrapLogMessage: true, sortOrder: 'Descending', enableLogDetails: true },
};

/**
 * A panel; `targets` are [expression, legend] pairs: PromQL, or LogQL for a `logs` panel (Loki; Promtail
 * labels each line with its compose `service`, which is also the Prometheus `job` of the stack's targets).
 */
function panel(id, title, unit, targets, grid, type = 'timeseries', metrics = DS) {
  const datasource = type === 'logs' ? LOKI : metrics;
  return {
    id,
    type,
    title,
    datasource,
    gridPos: grid,
    fieldConfig: { defaults: { unit }, overrides: [] },
    options: OPTIONS[type] ?? {},
    targets: targets.map(([expr, legendFormat], i) => ({
      refId: String.fromCharCode(65 + i),
      datasource,
      expr,
      ...(type === 'logs' ? { queryType: 'range' } : { legendFormat }),
    })),
  };
}

function layout(specs, metrics) {
  return specs.map(([title, unit, targets, type, width = 12], i) => {
    const x = (i * 12) % 24;
    return panel(
      i + 1,
      title,
      unit,
      targets,
      { x: width === 24 ? 0 : x, y: Math.floor(i / 2) * 8, w: width, h: type === 'logs' ? 12 : 8 },
      type,
      metrics,
    );
  });
}

function dashboard(uid, title, tags, specs, variables = [], metrics = DS) {
  return {
    uid,
    title,
    tags: ['metrics-service', ...tags],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    editable: true,
    refresh: '30s',
    time: { from: 'now-6h', to: 'now' },
    templating: { list: variables },
    panels: layout(specs, metrics),
  };
}

/** A free-text filter of the logs panel (a regular expression, case-insensitive; empty: every line). */
const logFilterVariable = {
  name: 'log_filter',
  label: 'Log filter (regex)',
  type: 'textbox',
  query: '',
  current: { text: '', value: '' },
};

const HTTP = '{__name__=~"(.+_)?http_requests_total", job=~"$job"}';
const BUCKETS = '{__name__=~"(.+_)?http_request_duration_seconds_bucket", job=~"$job"}';

const dashboards = {
  'system.json': dashboard(
    'ms-system',
    'System metrics',
    ['system'],
    [
      ['CPU usage', 'percentunit', [['instance:node_cpu_usage:ratio_rate5m', '{{instance}}']]],
      ['Memory available', 'percentunit', [['instance:node_memory_available:ratio', '{{instance}}']]],
      [
        'Load average',
        'short',
        [
          ['node_load1', '1m {{instance}}'],
          ['node_load5', '5m'],
          ['node_load15', '15m'],
        ],
      ],
      ['Filesystem free', 'percentunit', [['instance:node_filesystem_free:ratio', '{{mountpoint}}']]],
      [
        'Disk I/O',
        'Bps',
        [
          ['sum by (instance) (rate(node_disk_read_bytes_total[$__rate_interval]))', 'read {{instance}}'],
          [
            'sum by (instance) (rate(node_disk_written_bytes_total[$__rate_interval]))',
            'written {{instance}}',
          ],
        ],
      ],
      [
        'Network',
        'Bps',
        [
          [
            'sum by (instance) (rate(node_network_receive_bytes_total{device!="lo"}[$__rate_interval]))',
            'rx {{instance}}',
          ],
          [
            'sum by (instance) (rate(node_network_transmit_bytes_total{device!="lo"}[$__rate_interval]))',
            'tx {{instance}}',
          ],
        ],
      ],
    ],
  ),
  'business.json': dashboard(
    'ms-business',
    'Business metrics',
    ['business'],
    [
      [
        'Bookings by status',
        'short',
        [['sum by (status) (increase(bookings_total[$__range]))', '{{status}}']],
        'barchart',
      ],
      [
        'Bookings per minute',
        'short',
        [['sum by (status) (rate(bookings_total[$__rate_interval])) * 60', '{{status}}']],
      ],
      [
        'Revenue by service',
        'currencyEUR',
        [['sum by (service) (increase(revenue_euros_total[$__range]))', '{{service}}']],
        'barchart',
      ],
      ['Active users', 'short', [['sum(active_users)', 'active users']]],
      [
        'Conversion funnel',
        'short',
        [['sum by (step) (increase(funnel_visitors_total[$__range]))', '{{step}}']],
        'barchart',
      ],
      [
        'Satisfaction (median score)',
        'short',
        [
          [
            'histogram_quantile(0.5, sum by (le) (rate(satisfaction_score_bucket[$__rate_interval])))',
            'median',
          ],
        ],
      ],
    ],
    // Business metrics are pushed to the service: read from it directly, without Prometheus' scrape.
    [],
    SELF,
  ),
  'application.json': dashboard(
    'ms-application',
    'Application performance',
    ['application'],
    [
      ['Requests per second', 'reqps', [[`sum by (job) (rate(${HTTP}[$__rate_interval]))`, '{{job}}']]],
      [
        'Latency percentiles',
        's',
        [
          [`histogram_quantile(0.5, sum by (le) (rate(${BUCKETS}[$__rate_interval])))`, 'P50'],
          [`histogram_quantile(0.95, sum by (le) (rate(${BUCKETS}[$__rate_interval])))`, 'P95'],
          [`histogram_quantile(0.99, sum by (le) (rate(${BUCKETS}[$__rate_interval])))`, 'P99'],
        ],
      ],
      [
        'Status codes',
        'reqps',
        [[`sum by (status_code) (rate(${HTTP}[$__rate_interval]))`, '{{status_code}}']],
      ],
      [
        '5xx ratio',
        'percentunit',
        [
          [
            `sum(rate({__name__=~"(.+_)?http_requests_total", job=~"$job", status_code=~"5.."}[$__rate_interval])) / sum(rate(${HTTP}[$__rate_interval]))`,
            '5xx',
          ],
        ],
      ],
      [
        'Database: transactions and connections',
        'short',
        [
          ['sum(rate(pg_stat_database_xact_commit[$__rate_interval]))', 'commits/s'],
          ['sum(pg_stat_database_numbackends)', 'connections'],
        ],
      ],
      [
        'Cache hit rate',
        'percentunit',
        [
          [
            'sum(rate(redis_keyspace_hits_total[$__rate_interval])) / (sum(rate(redis_keyspace_hits_total[$__rate_interval])) + sum(rate(redis_keyspace_misses_total[$__rate_interval])))',
            'Redis hit rate',
          ],
        ],
      ],
    ],
    [jobVariable],
  ),
  'alerts-health.json': dashboard(
    'ms-alerts-health',
    'Alerts & health',
    ['alerts', 'health'],
    [
      [
        'Firing alerts',
        'short',
        [['sum by (alertname, severity) (ALERTS{alertstate="firing"})', '{{alertname}} ({{severity}})']],
        'table',
      ],
      ['Scrape targets up', 'short', [['up', '{{job}} {{instance}}']], 'stat'],
      ['Watched services up (metrics-service probes)', 'short', [['probe_success', '{{service}}']], 'stat'],
      ['Probe duration', 's', [['probe_duration_seconds', '{{service}}']]],
      ['Alerts over time', 'short', [['sum by (severity) (ALERTS{alertstate="firing"})', '{{severity}}']]],
      [
        'Samples ingested by metrics-service',
        'short',
        [['sum(rate(metrics_service_samples_ingested_total[$__rate_interval]))', 'samples/s']],
      ],
    ],
  ),
  'nodejs.json': dashboard(
    'ms-nodejs',
    'Node.js backend',
    ['nodejs'],
    [
      [
        'CPU',
        'percentunit',
        [
          [
            'rate({__name__=~"(.+_)?process_cpu_seconds_total", job=~"$job"}[$__rate_interval])',
            '{{job}} {{instance}}',
          ],
        ],
      ],
      [
        'Resident memory',
        'bytes',
        [['{__name__=~"(.+_)?process_resident_memory_bytes", job=~"$job"}', '{{job}} {{instance}}']],
      ],
      [
        'Event loop lag P99',
        's',
        [['{__name__=~"(.+_)?nodejs_eventloop_lag_p99_seconds", job=~"$job"}', '{{job}} {{instance}}']],
      ],
      [
        'Heap used',
        'bytes',
        [['{__name__=~"(.+_)?nodejs_heap_size_used_bytes", job=~"$job"}', '{{job}} {{instance}}']],
      ],
      [
        'HTTP requests per second',
        'reqps',
        [[`sum by (job, route) (rate(${HTTP}[$__rate_interval]))`, '{{job}} {{route}}']],
      ],
      [
        'Active handles',
        'short',
        [['{__name__=~"(.+_)?nodejs_active_handles", job=~"$job"}', '{{job}} {{instance}}']],
      ],
      // Logs next to the metrics (the observability seed): the same services' container output.
      ['Logs', 'short', [['{service=~"$job"} |~ "(?i)$log_filter"', '']], 'logs', 24],
    ],
    [jobVariable, logFilterVariable],
  ),
  'containers.json': dashboard(
    'ms-containers',
    'Containers (cAdvisor)',
    ['containers'],
    [
      [
        'CPU by container',
        'percentunit',
        [['sum by (name) (rate(container_cpu_usage_seconds_total{name!=""}[$__rate_interval]))', '{{name}}']],
      ],
      [
        'Memory by container',
        'bytes',
        [['sum by (name) (container_memory_working_set_bytes{name!=""})', '{{name}}']],
      ],
    ],
  ),
};

for (const [file, body] of Object.entries(dashboards))
  writeFileSync(
    new URL(`../deploy/grafana/dashboards/${file}`, import.meta.url),
    `${JSON.stringify(body, null, 2)}\n`,
  );
console.log(`wrote ${Object.keys(dashboards).length} dashboards`);
