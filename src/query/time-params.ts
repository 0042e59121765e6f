import { DomainError } from '../domain/errors.js';

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** "15s", "5m", "1h30m", "500ms", or a plain number of seconds → milliseconds. */
export function parseDuration(raw: string, field: string): number {
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
  if (relative !== null) return now - parseDuration(relative[1]!, field);
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed));
  const parsed = Date.parse(trimmed);
  if (Number.isNaN(parsed)) {
    throw new DomainError(
      'invalid_query',
      422,
      `"${raw}" is not a time (ms since the epoch, ISO 8601, now, now-1h)`,
      field,
    );
  }
  return parsed;
}
