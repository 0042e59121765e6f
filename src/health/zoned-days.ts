import { checkTimeZone } from '../status/maintenance-schedule.js';
import { wallClockAt } from '../support/zone-clock.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** How far the zone's wall clock is ahead of UTC at instant `t`, in ms (+3_600_000 for Paris in winter). */
function offsetAt(t: number, timeZone: string): number {
  return wallClockAt(t, timeZone) - Math.floor(t / 1000) * 1000;
}

/**
 * The instant a local date begins in a zone: the first minute whose wall-clock date is that date. Found
 * by bisection over ±15 h around UTC midnight (every zone's offset is within it), so a DST jump that
 * skips midnight (the day then begins at 01:00) needs no special case. About 11 formatter calls.
 */
export function startOfDay(year: number, month: number, day: number, timeZone: string): number {
  const wall = Date.UTC(year, month - 1, day);
  const dateAt = (t: number): number => Math.floor((t + offsetAt(t, timeZone)) / DAY_MS);
  const target = wall / DAY_MS;
  // In minutes: dateAt(low) < target <= dateAt(high).
  let low = (wall - 15 * HOUR_MS) / MINUTE_MS;
  let high = (wall + 15 * HOUR_MS) / MINUTE_MS;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (dateAt(mid * MINUTE_MS) < target) low = mid;
    else high = mid;
  }
  return high * MINUTE_MS;
}

/**
 * The day boundaries of a month in a zone: days+1 instants, [i] the start of day i+1 and the last the
 * start of the next month. A Paris March has a 23-hour day and an October a 25-hour one; UTC has none.
 * Throws the 422 `invalid_time_zone` problem for a name that is not an IANA zone.
 */
export function monthDays(year: number, month: number, timeZone: string): number[] {
  checkTimeZone(timeZone, 'tz');
  const count = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return Array.from({ length: count + 1 }, (_, i) => startOfDay(year, month, i + 1, timeZone));
}

/** Which day of `bounds` (from monthDays) holds instant `t`, or -1 outside the month. */
export function dayIndex(bounds: readonly number[], t: number): number {
  if (t < bounds[0]! || t >= bounds.at(-1)!) return -1;
  let low = 0;
  let high = bounds.length - 1;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (bounds[mid]! <= t) low = mid;
    else high = mid;
  }
  return low;
}
