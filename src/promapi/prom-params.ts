import { PromApiError } from './prom-api-error.js';

/** Prometheus' parameter values: what a GET query string and a POST form body both carry. */
export type PromParams = Readonly<Record<string, string | readonly string[] | undefined>>;

/** The first value of a parameter (a repeated one keeps its first, as Go's FormValue does). */
export function single(params: PromParams, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : value?.[0];
}

export function all(params: PromParams, name: string): string[] {
  const value = params[name];
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

/**
 * A time as Prometheus takes it: RFC 3339 or unix seconds with a fraction; milliseconds out. Empty or
 * absent: undefined (the caller's default).
 */
export function parseTimeParam(params: PromParams, name: string): number | undefined {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(raw) && Number.isFinite(seconds))
    return Math.round(seconds * 1000);
  const parsed = Date.parse(raw);
  if (/^\d{4}-\d\d-\d\dT/.test(raw) && Number.isFinite(parsed)) return parsed;
  throw new PromApiError(
    'bad_data',
    `invalid parameter "${name}": cannot parse "${raw}" to a valid timestamp`,
  );
}

/** A non-negative integer; 0 or absent is "no limit", as in Prometheus. */
export function parseLimitParam(params: PromParams, name: string): number | undefined {
  const raw = single(params, name);
  if (raw === undefined || raw === '') return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new PromApiError('bad_data', `invalid parameter "${name}": "${raw}" is not a non-negative integer`);
  return n === 0 ? undefined : n;
}
