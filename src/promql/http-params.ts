import { PromqlError } from './errors.js';
import { parseDurationMs } from './literals.js';

/**
 * The parameters of Prometheus' HTTP API, read as Prometheus reads them (`web/api/v1/api.go`): times as
 * unix seconds (fractions to the millisecond) or RFC 3339; durations as seconds or `5m`-style durations.
 * Errors are Prometheus' own: `invalid parameter "start": cannot parse "x" to a valid timestamp`.
 */

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Prometheus' minimum and maximum time, as its clients write them (Grafana's series/labels calls). */
const MIN_TIME_TEXT = '0001-01-01T00:00:00Z';
const MAX_TIME_TEXT = '9999-12-31T23:59:59Z';

export function invalidParameter(name: string, message: string): PromqlError {
  return new PromqlError('bad_data', `invalid parameter "${name}": ${message}`);
}

/** Milliseconds since the epoch. */
export function parseTimeParam(name: string, raw: string | undefined): number {
  const text = raw ?? '';
  if (FLOAT.test(text)) {
    const seconds = Number(text);
    if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
  }
  if (text === MIN_TIME_TEXT) return -62_135_596_800_000;
  if (text === MAX_TIME_TEXT) return 253_402_300_799_000;
  if (RFC3339.test(text)) {
    const ms = Date.parse(text.replace(' ', 'T'));
    if (Number.isFinite(ms)) return ms;
  }
  throw invalidParameter(name, `cannot parse ${JSON.stringify(text)} to a valid timestamp`);
}

/** Milliseconds. */
export function parseDurationParam(name: string, raw: string | undefined): number {
  const text = raw ?? '';
  if (FLOAT.test(text)) {
    const seconds = Number(text);
    if (!Number.isFinite(seconds) || Math.abs(seconds * 1e9) > 9.223372036854776e18) {
      throw invalidParameter(
        name,
        `cannot parse ${JSON.stringify(text)} to a valid duration. It overflows int64`,
      );
    }
    return Math.round(seconds * 1000);
  }
  const ms = parseDurationMs(text);
  if (ms !== undefined && text !== '') return ms;
  throw invalidParameter(name, `cannot parse ${JSON.stringify(text)} to a valid duration`);
}
