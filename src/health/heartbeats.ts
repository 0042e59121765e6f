import type { HealthState } from '../domain/health-state.js';
import type { HealthStore, StoredHeartbeat } from '../storage/ports.js';
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

/** The row a check becomes, from its result and the state the check left the service in. */
export function heartbeatOf(
  serviceId: number,
  result: ProbeResult,
  state: HealthState,
  at: number,
): StoredHeartbeat {
  const beat: StoredHeartbeat['state'] = result.ok
    ? result.degraded === true
      ? 'degraded'
      : 'up'
    : state === 'down'
      ? 'down'
      : 'pending';
  const reason = beat === 'up' ? undefined : result.reason;
  return {
    serviceId,
    at,
    state: beat,
    durationMs: Math.round(result.durationMs * 10) / 10,
    statusCode: result.statusCode ?? null,
    reasonCode: reason?.code ?? null,
    reason: reason?.message ?? null,
  };
}

const toView = (b: StoredHeartbeat): Heartbeat => ({
  at: b.at,
  state: b.state,
  durationMs: b.durationMs,
  ...(b.statusCode === null ? {} : { statusCode: b.statusCode }),
  ...(b.reasonCode === null ? {} : { reason: { code: b.reasonCode, message: b.reason ?? '' } }),
});

/**
 * The last checks of every service, as the heartbeat bars and sparklines read them. They are written by
 * the check recorder's flush (a batch a second, pruned to HEARTBEATS_KEPT per service) and read from the
 * store, so they survive a restart and every replica shows the same bars; a check shows up within a flush.
 */
export class HeartbeatLog {
  constructor(private readonly store: Pick<HealthStore, 'heartbeats'>) {}

  /** The newest `limit` beats of a service, oldest first (the bar reads left to right). */
  async last(serviceId: number, limit: number): Promise<Heartbeat[]> {
    return (await this.lastOf([serviceId], limit)).get(serviceId) ?? [];
  }

  /** The same for many services in one read (the services table). */
  async lastOf(serviceIds: readonly number[], limit: number): Promise<Map<number, Heartbeat[]>> {
    const stored = await this.store.heartbeats(serviceIds, limit);
    return new Map([...stored].map(([id, beats]) => [id, beats.map(toView)]));
  }
}
