import { DomainError } from '../domain/errors.js';
import { isTimeZone, wallClockAt } from '../support/zone-clock.js';
import { cronMatches, parseCron, type CronExpression } from './cron.js';

/** When a maintenance window happens: once, or again and again in its IANA time zone. */
export type Schedule =
  | { kind: 'once'; startsAt: string; endsAt: string }
  | { kind: 'weekly'; weekdays: number[]; at: string; durationMinutes: number; timeZone: string }
  | { kind: 'monthly'; daysOfMonth: number[]; at: string; durationMinutes: number; timeZone: string }
  | { kind: 'cron'; expression: string; durationMinutes: number; timeZone: string };

/** Longest recurring window: a week (scanning back that many minutes stays under a millisecond). */
export const MAX_DURATION_MINUTES = 7 * 24 * 60;
const MINUTE = 60_000;

/** A wall-clock minute in a time zone, as fields, and as a UTC-like number to step through. */
interface Wall {
  minute: number;
  hour: number;
  day: number;
  month: number;
  weekday: number;
}

export function checkTimeZone(timeZone: string, field: string): void {
  if (!isTimeZone(timeZone))
    throw new DomainError('invalid_time_zone', 422, `"${timeZone}" is not an IANA time zone`, field);
}

/** `t` read on a wall clock of that zone, as a number of ms whose UTC fields are the local ones. */
function wallOf(t: number, timeZone: string): number {
  return Math.floor(wallClockAt(t, timeZone) / MINUTE) * MINUTE;
}

function fields(wall: number): Wall {
  const d = new Date(wall);
  return {
    minute: d.getUTCMinutes(),
    hour: d.getUTCHours(),
    day: d.getUTCDate(),
    month: d.getUTCMonth() + 1,
    weekday: d.getUTCDay(),
  };
}

function parseAt(at: string, field: string): { hour: number; minute: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(at);
  if (match === null) throw new DomainError('invalid_schedule', 422, `"${at}" is not HH:MM (24 h)`, field);
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

/** A schedule checked once and compiled to "is this wall-clock minute a start?". */
export interface CompiledSchedule {
  /** [start, end) in ms of the occurrence covering `now`, if any. */
  activeAt(now: number): { startsAt: number; endsAt: number } | undefined;
  /** The next occurrence starting after `now` within `horizonMs`, if any. */
  nextAfter(now: number, horizonMs: number): { startsAt: number; endsAt: number } | undefined;
}

export function compileSchedule(schedule: Schedule, field = 'schedule'): CompiledSchedule {
  if (schedule.kind === 'once') {
    const startsAt = Date.parse(schedule.startsAt);
    const endsAt = Date.parse(schedule.endsAt);
    if (!Number.isFinite(startsAt))
      throw new DomainError('invalid_schedule', 422, 'startsAt is not an ISO 8601 time', `${field}.startsAt`);
    if (!Number.isFinite(endsAt) || endsAt <= startsAt)
      throw new DomainError(
        'invalid_schedule',
        422,
        'endsAt must be an ISO 8601 time after startsAt',
        `${field}.endsAt`,
      );
    return {
      activeAt: (now) => (startsAt <= now && now < endsAt ? { startsAt, endsAt } : undefined),
      nextAfter: (now, horizon) =>
        startsAt > now && startsAt - now <= horizon ? { startsAt, endsAt } : undefined,
    };
  }
  checkTimeZone(schedule.timeZone, `${field}.timeZone`);
  const duration = schedule.durationMinutes;
  if (!Number.isInteger(duration) || duration < 1 || duration > MAX_DURATION_MINUTES)
    throw new DomainError(
      'invalid_schedule',
      422,
      `durationMinutes must be a whole number from 1 to ${String(MAX_DURATION_MINUTES)}`,
      `${field}.durationMinutes`,
    );
  let isStart: (w: Wall) => boolean;
  if (schedule.kind === 'cron') {
    const cron: CronExpression = parseCron(schedule.expression, `${field}.expression`);
    isStart = (w) => cronMatches(cron, w);
  } else {
    const at = parseAt(schedule.at, `${field}.at`);
    const days = new Set(schedule.kind === 'weekly' ? schedule.weekdays : schedule.daysOfMonth);
    isStart =
      schedule.kind === 'weekly'
        ? (w) => w.hour === at.hour && w.minute === at.minute && days.has(w.weekday)
        : (w) => w.hour === at.hour && w.minute === at.minute && days.has(w.day);
  }
  const zone = schedule.timeZone;
  // Occurrences are found on the zone's wall clock, minute by minute; the real instants are `now` minus
  // the wall-clock distance, so a window that spans a DST change is off by that hour at most.
  const occurrence = (now: number, wallStart: number, wallNow: number) => {
    const startsAt = Math.floor(now / MINUTE) * MINUTE - (wallNow - wallStart);
    return { startsAt, endsAt: startsAt + duration * MINUTE };
  };
  return {
    activeAt(now) {
      const wallNow = wallOf(now, zone);
      for (let k = 0; k < duration; k++) {
        const w = wallNow - k * MINUTE;
        if (isStart(fields(w))) return occurrence(now, w, wallNow);
      }
      return undefined;
    },
    nextAfter(now, horizonMs) {
      const wallNow = wallOf(now, zone);
      for (let k = 1; k <= horizonMs / MINUTE; k++) {
        const w = wallNow + k * MINUTE;
        if (isStart(fields(w))) return occurrence(now, w, wallNow);
      }
      return undefined;
    },
  };
}
