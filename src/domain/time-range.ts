/**
 * The times the service accepts: 1970-01-01 to 9999-12-31, what an ISO 8601 date with a four-digit year
 * can say. JavaScript's Date ends at ±8.64e15 ms; past it toISOString() throws, so one such time stored
 * in a silence or a token once kept its listing at 500 for good.
 */
export const MIN_TIME_MS = 0;
export const MAX_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
export const TIME_RANGE_TEXT = '1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z';

export function isTimeInRange(ms: number): boolean {
  return Number.isFinite(ms) && ms >= MIN_TIME_MS && ms <= MAX_TIME_MS;
}

/** A stored time brought into the range (NaN: the epoch): what a row written by an older version reads as. */
export function clampTime(ms: number): number {
  if (Number.isNaN(ms)) return MIN_TIME_MS;
  return Math.min(MAX_TIME_MS, Math.max(MIN_TIME_MS, ms));
}

/** ISO 8601 for a stored time, never throwing (see clampTime). */
export function isoTime(ms: number): string {
  return new Date(clampTime(ms)).toISOString();
}

/** isoTime, with null and undefined for "none". */
export function isoTimeOrNull(ms: number | null | undefined): string | null {
  return ms == null ? null : isoTime(ms);
}
