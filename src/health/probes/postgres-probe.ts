import type { Probe, ProbeReason } from './probe.js';
import { credentialsOf, expectationReason, measured } from './measured.js';

/** SQLSTATE classes that say the login was refused (28: invalid authorization) or the database is missing. */
const AUTH_STATES = /^(28|3D)/;

/**
 * PostgreSQL check (`postgres://user:password@host[:port]/db`): connect, authenticate, run `query` (default
 * `SELECT 1`) alone (one statement) in a read-only transaction, so a monitor can never change the data it
 * watches; with
 * `expected`, every expected value must be in the result's first column. `?sslmode=require` connects over
 * TLS. The `pg` client is loaded with the first such check.
 */
export const postgresProbe: Probe = {
  run(definition, context) {
    const url = new URL(definition.url);
    const { user, password, database } = credentialsOf(url);
    let close: (() => void) | undefined;
    return measured(
      definition,
      context,
      async (): Promise<ProbeReason | undefined> => {
        const address = await context.guard.resolveHost(url.hostname);
        const { default: pg } = await import('pg');
        const client = new pg.Client({
          host: address,
          port: url.port === '' ? 5432 : Number(url.port),
          ...(user === undefined ? {} : { user }),
          ...(password === undefined ? {} : { password }),
          ...(database === undefined ? {} : { database }),
          connectionTimeoutMillis: definition.timeout,
          application_name: 'metrics-service health check',
          ...(url.searchParams.get('sslmode') === 'require' ? { ssl: { servername: url.hostname } } : {}),
        });
        close = () => void client.end().catch(() => undefined);
        try {
          await client.connect();
        } catch (error) {
          const refused = refusal(error);
          if (refused !== undefined) return refused;
          throw error;
        }
        try {
          await client.query('BEGIN TRANSACTION READ ONLY');
          let rows: unknown[][];
          try {
            // The extended protocol runs exactly one statement: `SELECT 1; COMMIT; DROP …` cannot leave the
            // read-only transaction. (`queryMode` is pg's; its type definitions do not list it yet.)
            const single = { text: definition.query ?? 'SELECT 1', rowMode: 'array', queryMode: 'extended' };
            rows = (await client.query(single as { text: string; rowMode: 'array' })).rows as unknown[][];
          } catch (error) {
            return { code: 'query_error', message: (error as Error).message.slice(0, 500) };
          }
          return expectationReason(
            definition.expected,
            rows.map((row) => String(row[0])),
            'the first column of the result',
          );
        } finally {
          await client.end().catch(() => undefined);
        }
      },
      () => close?.(),
    );
  },
};

/** A refused login or a missing database, as a reason; undefined for network errors. */
function refusal(error: unknown): ProbeReason | undefined {
  const state = (error as { code?: unknown }).code;
  if (typeof state === 'string' && AUTH_STATES.test(state))
    return { code: 'auth_failed', message: (error as Error).message.slice(0, 500) };
  return undefined;
}
