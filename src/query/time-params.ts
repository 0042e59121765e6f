import { DomainError } from '../domain/errors.js';
import { isTimeInRange, MAX_TIME_MS, TIME_RANGE_TEXT } from '../domain/time-range.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** `ms` when it is a time the service accepts (domain/time-range.ts), otherwise a 422 naming `field`. */
export function checkTime(ms: number, field: string, raw: string = String(ms)): number {
  if (isTimeInRange(ms)) return ms;
  throw new DomainError(
    'invalid_query',
    422,
    `"${raw}" is outside the times accepted (${TIME_RANGE_TEXT})`,
    field,
  );
}

/** "15s", "5m", "1h30m", "500ms", or a plain number of seconds → milliseconds (at most the whole time range). */
export function parseDuration(raw: string, field: string): number {
  const ms = parseDurationMs(raw, field);
  if (ms <= MAX_TIME_MS) return ms;
  throw new DomainError(
    'invalid_query',
    422,
    `"${raw}" is longer than the times accepted (${TIME_RANGE_TEXT})`,
    field,
  );
}

/** parseDuration for a window or a step: at least 1 ms (a zero window divided by zero: a 500). */
export function parsePositiveDuration(raw: string, field: string): number {
  const ms = parseDuration(raw, field);
  if (ms > 0) return ms;
  throw new DomainError('invalid_query', 422, `"${raw}" must be a duration longer than 0`, field);
}

function parseDurationMs(raw: string, field: string): number {
  const trimmed = raw.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const parts = /^(\d+(ms|s|m|h|d|w))+$/.test(trimmed) ? trimmed.match(/\d+(ms|s|m|h|d|w)/g) : null;
  if (parts === null) {
    throw new DomainError(
      'invalid_query',
      422,
      `"${raw}" is not a duration (examples: 15s, 5m, 1h30m, 60)`,
      field,
    );
  }
  let total = 0;
  for (const part of parts) {
    const unit = /ms|s|m|h|d|w/.exec(part)![0];
    total += Number(part.slice(0, -unit.length)) * UNITS[unit]!;
  }
  return total;
}

/** Milliseconds since the epoch, an ISO 8601 date, "now", or "now-1h" → milliseconds. */
export function parseTime(raw: string, now: number, field: string): number {
  const trimmed = raw.trim();
  if (trimmed === 'now') return now;
  const relative = /^now-(.+)$/.exec(trimmed);
  if (relative !== null) return checkTime(now - parseDuration(relative[1]!, field), field, raw);
  if (/^\d+(\.\d+)?$/.test(trimmed)) return checkTime(Math.round(Number(trimmed)), field, raw);
  const parsed = Date.parse(trimmed);
  if (Number.isNaN(parsed)) {
    throw new DomainError(
      'invalid_query',
      422,
      `"${raw}" is not a time (ms since the epoch, ISO 8601, now, now-1h)`,
      field,
    );
  }
  return checkTime(parsed, field, raw);
}
