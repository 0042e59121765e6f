/**
 * The life of one alert (one rule and label set): pending while the condition holds for less than `for`,
 * firing after, resolved once it has stopped holding for `keepFiringFor`. A pending alert whose condition
 * stops holding is dropped (it never fired, nobody was told). Acknowledgement is a flag on a firing
 * alert, not a state: it silences repeats, not resolution. Pure: no clock, no I/O.
 */
export type AlertState = 'pending' | 'firing' | 'resolved';

export interface LifecycleTimes {
  state: AlertState;
  pendingAt: number;
  firedAt: number | undefined;
  /** Last evaluation that found the condition true. */
  lastTrueAt: number;
}

export interface LifecycleRule {
  forMs: number;
  keepFiringForMs: number;
}

export type Transition = 'none' | 'pending' | 'fired' | 'resolved' | 'dropped';

export function stepAlert(
  alert: LifecycleTimes | undefined,
  holds: boolean,
  now: number,
  rule: LifecycleRule,
): { next: LifecycleTimes | undefined; transition: Transition } {
  if (alert === undefined || alert.state === 'resolved') {
    if (!holds) return { next: undefined, transition: 'none' };
    return rule.forMs <= 0
      ? { next: { state: 'firing', pendingAt: now, firedAt: now, lastTrueAt: now }, transition: 'fired' }
      : {
          next: { state: 'pending', pendingAt: now, firedAt: undefined, lastTrueAt: now },
          transition: 'pending',
        };
  }
  if (alert.state === 'pending') {
    if (!holds) return { next: undefined, transition: 'dropped' };
    if (now - alert.pendingAt >= rule.forMs)
      return { next: { ...alert, state: 'firing', firedAt: now, lastTrueAt: now }, transition: 'fired' };
    return { next: { ...alert, lastTrueAt: now }, transition: 'none' };
  }
  if (holds) return { next: { ...alert, lastTrueAt: now }, transition: 'none' };
  if (now - alert.lastTrueAt >= rule.keepFiringForMs)
    return { next: { ...alert, state: 'resolved' }, transition: 'resolved' };
  return { next: alert, transition: 'none' };
}
