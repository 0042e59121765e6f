import { randomUUID } from 'node:crypto';
import type { HealthState } from '../domain/health-state.js';
import type { SampleSink } from '../cluster/sample-routing.js';
import type { IngestSample } from '../ingest/sample-schema.js';
import type { HealthFlush, HealthStore, StoredHealthState } from '../storage/ports.js';
import type { ProbeResult } from './probes/probe.js';
import { extraSamples } from './probes/probe-series.js';
import { heartbeatOf } from './heartbeats.js';
import { addCheck, emptyRollup, HOUR_MS, type MutableRollup } from './rollup.js';

export interface RecordedCheck {
  serviceId: number;
  service: string;
  result: ProbeResult;
  at: number;
  /** The state machine after this check: what a replica taking the service over continues from. */
  state: HealthState;
  failures: number;
  /** When the service's state last changed (ms). */
  since: number;
}

type Sample = IngestSample & { name: string };

/**
 * Turns check results into history, batched once a second: per-check series in the metric store (named as
 * the blackbox exporter names them, so dashboards and rules written for it work, and compressed like any
 * series) and the hourly roll-ups uptime and percentiles are read from.
 *
 * Roll-ups are written as deltas: each flush carries only this process's checks since its previous flush,
 * and the store adds them to the hour's row, so replicas checking one service in the same hour (after a
 * move) add up instead of overwriting each other. A flush is acknowledged when applyFlush returns; until
 * then it is kept, unchanged and with its id, and retried before anything newer. The store applies an id
 * once, so a flush that committed but whose answer was lost is not added twice, and one that failed is
 * not lost. Nothing is held in memory across flushes but that one unacknowledged flush.
 *
 * On a follower the samples are queued for the primary (the one writer of metric data) and the roll-ups
 * and states go to the shared store as on any replica.
 */
export class CheckRecorder {
  private pending: RecordedCheck[] = [];
  /** Checks whose samples are written but whose roll-ups were not sent to the store yet. */
  private unsent: RecordedCheck[] = [];
  /** Sent, not acknowledged: retried as is (same id) before anything newer is sent. */
  private unacknowledged: HealthFlush | undefined;
  private readonly flushPrefix = randomUUID();
  private sequence = 0;

  constructor(
    /** The ingest path; on a follower, the forwarder to the primary (ADR 0026). */
    private readonly ingest: SampleSink,
    private readonly store: HealthStore,
    private readonly clock: () => number = Date.now,
  ) {}

  record(check: RecordedCheck): void {
    this.pending.push(check);
  }

  forget(serviceId: number): void {
    const others = (check: RecordedCheck): boolean => check.serviceId !== serviceId;
    this.pending = this.pending.filter(others);
    this.unsent = this.unsent.filter(others);
    const sent = this.unacknowledged;
    // Safe to shrink: if the first attempt committed, the retry changes nothing whatever it carries.
    if (sent !== undefined)
      this.unacknowledged = {
        ...sent,
        rollups: sent.rollups.filter((r) => r.serviceId !== serviceId),
        states: sent.states.filter((s) => s.serviceId !== serviceId),
        beats: (sent.beats ?? []).filter((b) => b.serviceId !== serviceId),
      };
  }

  /**
   * Writes what was recorded since the last flush; returns how many samples the store refused. Throws when
   * a store fails; roll-ups and states not acknowledged are sent again by the next flush.
   */
  async flush(): Promise<number> {
    const checks = this.pending;
    this.pending = [];
    let rejected = 0;
    if (checks.length > 0) {
      this.unsent.push(...checks);
      rejected = (await this.ingest.ingest(checks.flatMap(samplesOf), 'health')).rejected.length;
    }
    if (this.unacknowledged !== undefined) await this.acknowledge(this.unacknowledged);
    if (this.unsent.length > 0) {
      // Checks never sent can be merged freely; a sent flush never changes meaning under its id.
      const flush = this.flushOf(this.unsent);
      this.unsent = [];
      this.unacknowledged = flush;
      await this.acknowledge(flush);
    }
    return rejected;
  }

  private async acknowledge(flush: HealthFlush): Promise<void> {
    await this.store.applyFlush(flush);
    this.unacknowledged = undefined;
  }

  private flushOf(checks: readonly RecordedCheck[]): HealthFlush {
    const rollups = new Map<string, MutableRollup>();
    const states = new Map<number, StoredHealthState>();
    for (const check of checks) {
      const hour = Math.floor(check.at / HOUR_MS);
      const key = `${String(check.serviceId)}:${String(hour)}`;
      let rollup = rollups.get(key);
      if (rollup === undefined) {
        rollup = emptyRollup(check.serviceId, hour);
        rollups.set(key, rollup);
      }
      addCheck(rollup, check.result.ok, check.result.degraded === true, check.result.durationMs);
      const latest = states.get(check.serviceId);
      if (latest === undefined || latest.checkedAt <= check.at)
        states.set(check.serviceId, {
          serviceId: check.serviceId,
          state: check.state,
          failures: check.failures,
          since: check.since,
          checkedAt: check.at,
        });
    }
    return {
      id: `${this.flushPrefix}:${String(++this.sequence)}`,
      at: this.clock(),
      rollups: [...rollups.values()],
      states: [...states.values()],
      // The heartbeat bars ride along: one transaction a flush, not one per check (issue 19).
      beats: checks.map((c) => heartbeatOf(c.serviceId, c.result, c.state, c.at)),
    };
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
