import pg from 'pg';

// SQLSTATE classes meaning "the server or the connection is gone", not "this statement is wrong":
// 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown or not accepting connections.
const UNAVAILABLE_SQLSTATE = /^(08|53|57P0[1-3])/;
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);
// node-postgres reports a lost or never-made connection with plain Errors carrying these messages.
const DRIVER_MESSAGES =
  /Connection terminated|timeout exceeded when trying to connect|not queryable|Client was closed|Cannot use a pool after calling end|connection timeout/i;

/** True when `error` says the database cannot be reached, as opposed to a statement it refused. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return UNAVAILABLE_SQLSTATE.test(error.code ?? '');
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  if (code !== undefined && NETWORK_CODES.has(code)) return true;
  if (error instanceof AggregateError) return error.errors.some(isUnavailable);
  return DRIVER_MESSAGES.test(error.message);
}
