/** The health of a watched service; `unknown` until the first check decides. */
export const HEALTH_STATES = ['unknown', 'up', 'degraded', 'down'] as const;
export type HealthState = (typeof HEALTH_STATES)[number];

export interface CheckVerdict {
  ok: boolean;
  degraded: boolean;
}

export interface HealthTracker {
  state: HealthState;
  /** Consecutive failed checks (0 after a success). */
  failures: number;
  /** When the state last changed (ms since the epoch); when tracking started for `unknown`. */
  since: number;
}

/**
 * The state after one more check. DOWN only after `retries` consecutive failures (0 counts as 1), so a
 * single lost packet pages nobody; UP (or DEGRADED when the check passed but slowly, or with a
 * certificate near expiry) after one success. Failures below the threshold keep the current state.
 */
export function nextHealth(
  tracker: HealthTracker,
  verdict: CheckVerdict,
  retries: number,
  at: number,
): HealthTracker {
  if (verdict.ok) {
    const state: HealthState = verdict.degraded ? 'degraded' : 'up';
    return { state, failures: 0, since: state === tracker.state ? tracker.since : at };
  }
  const failures = tracker.failures + 1;
  const down = failures >= Math.max(1, retries);
  const state: HealthState = down ? 'down' : tracker.state;
  return { state, failures, since: state === tracker.state ? tracker.since : at };
}

/** The roll-up of many services: down wins, then degraded, then unknown. */
export function overallHealth(states: Iterable<HealthState>): HealthState {
  let worst: HealthState = 'up';
  const rank: Record<HealthState, number> = { up: 0, unknown: 1, degraded: 2, down: 3 };
  for (const state of states) if (rank[state] > rank[worst]) worst = state;
  return worst;
}

/** How many services are in each state, and in all (the overview counts of /api/health and the dashboard). */
export function countStates(states: readonly HealthState[]): Record<HealthState | 'total', number> {
  const counts = { total: states.length, up: 0, degraded: 0, down: 0, unknown: 0 };
  for (const state of states) counts[state]++;
  return counts;
}
