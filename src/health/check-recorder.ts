import type { IngestService } from '../ingest/ingest-service.js';
import type { IngestSample } from '../ingest/sample-schema.js';
import type { HealthStore } from '../storage/ports.js';
import type { ProbeResult } from './probes/probe.js';
import { extraSamples } from './probes/probe-series.js';
import { addCheck, emptyRollup, HOUR_MS, type MutableRollup } from './rollup.js';

export interface RecordedCheck {
  serviceId: number;
  service: string;
  result: ProbeResult;
  at: number;
  /** When the service's state last changed (ms). */
  since: number;
}

type Sample = IngestSample & { name: string };

/**
 * Turns check results into history, batched once a second: per-check series in the metric store (named as
 * the blackbox exporter names them, so dashboards and rules written for it work, and compressed like any
 * series) and the hourly roll-ups uptime and percentiles are read from. The roll-up of the current hour
 * is rewritten at each flush, so a restart loses nothing already flushed.
 */
export class CheckRecorder {
  private pending: RecordedCheck[] = [];
  private readonly current = new Map<number, MutableRollup>();

  constructor(
    private readonly ingest: IngestService,
    private readonly store: HealthStore,
  ) {}

  record(check: RecordedCheck): void {
    this.pending.push(check);
  }

  /** Continues the current hour's roll-ups after a restart. */
  async resume(now: number): Promise<void> {
    for (const row of await this.store.rollupsOfHour(Math.floor(now / HOUR_MS)))
      this.current.set(row.serviceId, { ...row, buckets: [...row.buckets] });
  }

  forget(serviceId: number): void {
    this.current.delete(serviceId);
    this.pending = this.pending.filter((check) => check.serviceId !== serviceId);
  }

  /** Writes what was recorded since the last flush; returns how many samples the store refused. */
  async flush(): Promise<number> {
    if (this.pending.length === 0) return 0;
    const checks = this.pending;
    this.pending = [];
    const touched = new Set<MutableRollup>();
    const samples: Sample[] = [];
    for (const check of checks) {
      samples.push(...samplesOf(check));
      const hour = Math.floor(check.at / HOUR_MS);
      let rollup = this.current.get(check.serviceId);
      if (rollup?.hour !== hour) {
        rollup = emptyRollup(check.serviceId, hour);
        this.current.set(check.serviceId, rollup);
      }
      addCheck(rollup, check.result.ok, check.result.degraded === true, check.result.durationMs);
      touched.add(rollup);
    }
    await this.store.saveRollups([...touched]);
    const { rejected } = await this.ingest.ingest(samples, 'health');
    return rejected.length;
  }
}

function samplesOf({ service, result, at, since }: RecordedCheck): Sample[] {
  const labels = { service };
  const gauge = (name: string, value: number, help: string, unit = ''): Sample => ({
    name,
    type: 'gauge',
    value,
    labels,
    timestamp: at,
    help,
    unit,
  });
  const samples = [
    gauge('probe_success', result.ok ? 1 : 0, 'Whether the last health check of the service succeeded.'),
    gauge(
      'probe_duration_seconds',
      result.durationMs / 1000,
      'Duration of the last health check.',
      'seconds',
    ),
    gauge(
      'health_service_last_change_timestamp_seconds',
      Math.floor(since / 1000),
      'When the service last changed state (UP, DOWN, DEGRADED).',
      'seconds',
    ),
  ];
  if (result.statusCode !== undefined)
    samples.push(gauge('probe_http_status_code', result.statusCode, 'HTTP status of the last check.'));
  if (result.tlsExpiresAt !== undefined)
    samples.push(
      gauge(
        'probe_ssl_earliest_cert_expiry',
        Math.floor(result.tlsExpiresAt / 1000),
        'Expiry of the earliest certificate of the chain, seconds since the epoch.',
        'seconds',
      ),
    );
  samples.push(...extraSamples(result.series, gauge)); // ping RTT, TLS days left… (probe-series.ts)
  return samples;
}
