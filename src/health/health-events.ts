import type { HealthState } from '../domain/health-state.js';
import type { ProbeReason } from './probes/probe.js';

/** A service changed state (UP, DOWN, DEGRADED…): for alerting and the realtime feed. */
export interface HealthChange {
  service: string;
  url: string;
  previous: HealthState;
  state: HealthState;
  /** What the deciding check found: the failure or degradation, absent when it went UP. */
  reason: ProbeReason | undefined;
  at: number;
  durationMs: number;
  statusCode: number | undefined;
}

/** Events the health checker publishes on the bus. */
export interface HealthEvents {
  'health.changed': HealthChange;
}
