import type { Probe, ProbeReason } from './probe.js';
import { credentialsOf, expectationReason, measured } from './measured.js';

/** Server errors that say the login was refused or the database does not exist. */
const AUTH_ERRORS = new Set(['ER_ACCESS_DENIED_ERROR', 'ER_DBACCESS_DENIED_ERROR', 'ER_BAD_DB_ERROR']);

/**
 * MySQL / MariaDB check (`mysql://user:password@host[:port]/db`): connect, authenticate, run `query`
 * (default `SELECT 1`) in a read-only transaction; with `expected`, every expected value must be in the
 * result's first column. The `mysql2` client is loaded with the first such check.
 */
export const mysqlProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const { user, password, database } = credentialsOf(url);
    let close: (() => void) | undefined;
    return measured(
      definition,
      context,
      async (): Promise<ProbeReason | undefined> => {
        const address = await context.guard.resolveHost(url.hostname);
        const mysql = await import('mysql2/promise');
        let connection;
        try {
          connection = await mysql.createConnection({
            host: address,
            port: url.port === '' ? 3306 : Number(url.port),
            ...(user === undefined ? {} : { user }),
            ...(password === undefined ? {} : { password }),
            ...(database === undefined ? {} : { database }),
            connectTimeout: definition.timeout,
            rowsAsArray: true,
          });
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          if (typeof code === 'string' && AUTH_ERRORS.has(code))
            return { code: 'auth_failed', message: (error as Error).message.slice(0, 500) };
          throw error;
        }
        close = () => {
          connection.destroy();
        };
        try {
          // Read-only for the session too: a DDL statement commits the transaction implicitly, and the one
          // it would then run in must refuse it as well. One statement only (mysql2's default).
          await connection.query('SET SESSION TRANSACTION READ ONLY');
          await connection.query('START TRANSACTION READ ONLY');
          let rows: unknown[][];
          try {
            [rows] = (await connection.query(definition.query ?? 'SELECT 1')) as unknown as [unknown[][]];
          } catch (error) {
            return { code: 'query_error', message: (error as Error).message.slice(0, 500) };
          }
          return expectationReason(
            definition.expected,
            rows.map((row) => String(row[0])),
            'the first column of the result',
          );
        } finally {
          await connection.end().catch(() => undefined);
        }
      },
      () => close?.(),
    );
  },
};
