import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { MetricCategory } from '../domain/metric.js';

/**
 * Name prefixes clients may not ingest under: the service's own prom-client families (`process_`,
 * `nodejs_`, `metrics_service_`) and what its collectors write (`system_` from the system collector,
 * `metrics_service_` also from the application collector), each allowed only to its own category.
 */
export const RESERVED_PREFIXES: Readonly<Record<string, MetricCategory | null>> = {
  metrics_service_: 'application',
  system_: 'system',
  probe_: 'health',
  health_: 'health',
  process_: null,
  nodejs_: null,
};

/** Listed once: this runs for every ingested sample, and Object.entries would allocate on each call. */
const RESERVED_PREFIX_LIST = Object.entries(RESERVED_PREFIXES);

export function isReservedName(name: string, category: MetricCategory): boolean {
  for (const [prefix, owner] of RESERVED_PREFIX_LIST) {
    if (name.startsWith(prefix)) return owner !== category;
  }
  return false;
}

const LINT_FAILING_DEFAULTS = [
  'nodejs_active_handles_total',
  'nodejs_active_requests_total',
  'nodejs_active_resources_total',
];

/**
 * The service's own metrics (prom-client): process and Node.js defaults, plus the write path, the store
 * and the exposition. Small and fixed in size, so prom-client's speed is no concern here.
 */
export class OwnMetrics {
  readonly registry = new Registry();
  readonly samplesIngested = new Counter({
    name: 'metrics_service_samples_ingested_total',
    help: 'Samples accepted and made durable, by category.',
    labelNames: ['category'] as const,
    registers: [this.registry],
  });
  readonly samplesRejected = new Counter({
    name: 'metrics_service_samples_rejected_total',
    help: 'Samples refused, by reason code.',
    labelNames: ['code'] as const,
    registers: [this.registry],
  });
  readonly activeSeries = new Gauge({
    name: 'metrics_service_active_series',
    help: 'Numeric series held in memory (a histogram label set counts its buckets, sum and count).',
    registers: [this.registry],
  });
  readonly families = new Gauge({
    name: 'metrics_service_metric_families',
    help: 'Ingested metric families.',
    registers: [this.registry],
  });
  readonly storageBytes = new Gauge({
    name: 'metrics_service_storage_bytes',
    help: 'Bytes of the metric store on disk, write-ahead files included.',
    registers: [this.registry],
  });
  /** What metrics_service_head_samples reads at each scrape (services.ts points it at the TSDB). */
  headSamplesSource: () => number = () => 0;
  // Read at scrape time, not by the 15 s gauge task: a follower's drop at each checkpoint shows at once.
  readonly headSamples = new Gauge({
    name: 'metrics_service_head_samples',
    help: 'Samples held in memory by the TSDB heads (open and not yet stored chunks).',
    registers: [this.registry],
    collect: () => {
      this.headSamples.set(this.headSamplesSource());
    },
  });
  readonly checkpointSeconds = new Histogram({
    name: 'metrics_service_checkpoint_duration_seconds',
    help: 'Time to fold in-memory heads into stored chunks.',
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly expositionSeconds = new Histogram({
    name: 'metrics_service_exposition_duration_seconds',
    help: 'Time to render the ingested series for /metrics.',
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5],
    registers: [this.registry],
  });
  readonly healthCheckLateness = new Histogram({
    name: 'metrics_service_health_check_lateness_seconds',
    help: 'How late health checks start against their schedule (waiting for a free slot included).',
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly healthServices = new Gauge({
    name: 'metrics_service_health_services',
    help: 'Services watched by the health checker.',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    // Gauges named like counters fail `promtool check metrics`; sum(nodejs_active_handles) etc. give the same.
    for (const name of LINT_FAILING_DEFAULTS) this.registry.removeSingleMetric(name);
  }

  /** The own metrics in the Prometheus text format. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Prometheus text → OpenMetrics for prom-client output: counter families lose `_total` in their HELP
 * and TYPE lines (their samples keep it), and blank lines go. prom-client's own OpenMetrics mode renames
 * the shared metric objects in place, so one registry rendered both ways would corrupt the other.
 */
export function toOpenMetrics(text: string): string {
  const lines = text.split('\n').filter((line) => line.length > 0);
  for (let i = 0; i < lines.length; i++) {
    const match = /^# TYPE (\S+)_total counter$/.exec(lines[i]!);
    if (match === null) continue;
    const family = match[1]!;
    lines[i] = `# TYPE ${family} counter`;
    const help = lines[i - 1];
    if (help?.startsWith(`# HELP ${family}_total `) === true) {
      lines[i - 1] = `# HELP ${family} ${help.slice(`# HELP ${family}_total `.length)}`;
    }
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
