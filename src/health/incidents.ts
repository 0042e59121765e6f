import type { StoredHealthEvent } from '../storage/ports.js';

/** A stretch of time a service was not UP: from a state change away from UP to the next one back. */
export interface Incident {
  start: number;
  /** null: still going on. */
  end: number | null;
  durationMs: number;
  /** down, or degraded when it never went down. */
  state: 'down' | 'degraded';
  reason: { code: string; message: string } | null;
}

const BAD = new Set(['down', 'degraded']);

/**
 * Incidents from state changes, oldest first. `before` is the state a window starts in (the newest event
 * before it): an incident open at the window's start begins at `from`. A DEGRADED spell that turns DOWN is
 * one incident, DOWN (the worse state) with the reason of the first DOWN change.
 */
export function incidentsOf(
  events: readonly StoredHealthEvent[],
  window: { from: number; to: number; before?: StoredHealthEvent | undefined },
  now: number,
): Incident[] {
  const out: Incident[] = [];
  let open: Incident | undefined;
  const reasonOf = (e: StoredHealthEvent): Incident['reason'] =>
    e.reasonCode === null ? null : { code: e.reasonCode, message: e.reason ?? '' };
  const begin = (at: number, e: StoredHealthEvent): void => {
    open = { start: at, end: null, durationMs: 0, state: e.state as Incident['state'], reason: reasonOf(e) };
  };
  if (window.before !== undefined && BAD.has(window.before.state)) begin(window.from, window.before);
  for (const e of events) {
    if (BAD.has(e.state)) {
      if (open === undefined) begin(e.at, e);
      else if (e.state === 'down' && open.state !== 'down') {
        open.state = 'down';
        open.reason = reasonOf(e);
      }
    } else if (open !== undefined) {
      open.end = e.at;
      open.durationMs = e.at - open.start;
      out.push(open);
      open = undefined;
    }
  }
  if (open !== undefined) {
    open.durationMs = Math.max(0, Math.min(now, window.to) - open.start);
    out.push(open);
  }
  return out;
}
