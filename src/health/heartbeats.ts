import type { WatchedService } from './health-checker.js';
import type { ProbeResult } from './probes/probe.js';

/**
 * One check as the heartbeat bar shows it. `pending`: failed, but not yet the `retries` failures that
 * make the service DOWN (Uptime Kuma's orange beat).
 */
export interface Heartbeat {
  at: number;
  state: 'up' | 'degraded' | 'pending' | 'down';
  durationMs: number;
  statusCode?: number;
  reason?: { code: string; message: string };
}

export const HEARTBEATS_KEPT = 100;

/**
 * The last checks of every service, in memory: the checker hands each result here as it decides the state,
 * so a beat carries the reason of that very check (the stored events only keep state changes, the metric
 * series no reason). A restart starts the bars empty; uptime and percentiles come from the roll-ups.
 */
export class HeartbeatLog {
  private readonly beats = new Map<number, Heartbeat[]>();

  constructor(private readonly kept = HEARTBEATS_KEPT) {}

  record(service: WatchedService, result: ProbeResult, at: number): void {
    const state: Heartbeat['state'] = result.ok
      ? result.degraded === true
        ? 'degraded'
        : 'up'
      : service.tracker.state === 'down'
        ? 'down'
        : 'pending';
    const beat: Heartbeat = { at, state, durationMs: Math.round(result.durationMs * 10) / 10 };
    if (result.statusCode !== undefined) beat.statusCode = result.statusCode;
    if (result.reason !== undefined && state !== 'up')
      beat.reason = { code: result.reason.code, message: result.reason.message };
    let list = this.beats.get(service.id);
    if (list === undefined) {
      list = [];
      this.beats.set(service.id, list);
    }
    list.push(beat);
    if (list.length > this.kept) list.splice(0, list.length - this.kept);
  }

  /** The newest `limit` beats of a service, oldest first (the bar reads left to right). */
  last(serviceId: number, limit: number): Heartbeat[] {
    const list = this.beats.get(serviceId) ?? [];
    return list.slice(Math.max(0, list.length - limit));
  }

  forget(serviceId: number): void {
    this.beats.delete(serviceId);
  }
}
