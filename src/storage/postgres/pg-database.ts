import pg from 'pg';
import { StoreUnavailableError } from '../store-unavailable.js';
import { isUnavailable } from './pg-errors.js';

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * bigint columns hold milliseconds and ids, all below 2^53: read them as numbers, not strings. SUM() of a
 * bigint is numeric, read as a number too. Scoped to this pool, not set globally on the driver.
 */
const driverParser = pg.types.getTypeParser.bind(pg.types) as (oid: number, format?: string) => unknown;
const TYPES = {
  getTypeParser: (oid: number, format?: string): unknown =>
    oid === INT8_OID || oid === NUMERIC_OID ? (value: string) => Number(value) : driverParser(oid, format),
} as pg.CustomTypesConfig;

export interface PgOptions {
  url: string;
  /** Connections in the pool (shared by every adapter of the process). */
  max?: number;
  /** How long a query waits for a connection before the store counts as unavailable. */
  connectTimeoutMs?: number;
  /** An idle connection lost (server restart, pg_terminate_backend): the pool drops it and reconnects. */
  onIdleError?: (error: Error) => void;
}

export type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The one connection pool of a process, shared by the four adapters. Every query goes through here so a
 * lost database surfaces as StoreUnavailableError (503 store_unavailable), never as a 500.
 */
export class PgDatabase {
  readonly pool: pg.Pool;
  private ended = false;

  constructor(options: PgOptions) {
    this.pool = new pg.Pool({
      connectionString: options.url,
      max: options.max ?? 10,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
      idleTimeoutMillis: 30_000,
      types: TYPES,
      application_name: 'metrics-service',
      // Every statement here is short and index-driven; JIT compilation only costs (milliseconds of
      // backend CPU per statement whose estimate crosses jit_above_cost, e.g. on tables without
      // statistics yet). A session setting: the server's configuration is left alone.
      options: '-c jit=off',
    });
    this.pool.on('error', (error) => {
      options.onIdleError?.(error);
    });
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (error) {
      throw translate(error);
    }
  }

  async rows<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<R[]> {
    return (await this.query<R>(sql, params)).rows;
  }

  /** Runs `work` in one transaction on one connection; rolls back on any error. */
  async transaction<T>(work: (client: Queryable) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw translate(error);
    }
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      if (isUnavailable(error)) broken = error as Error;
      else
        await client.query('ROLLBACK').catch((rollbackError: unknown) => (broken = rollbackError as Error));
      throw translate(error);
    } finally {
      // A connection that failed mid-transaction is destroyed, not returned to the pool.
      client.release(broken);
    }
  }

  async end(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.pool.end();
  }
}

function translate(error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isUnavailable(error)) return error;
  return new StoreUnavailableError((error as Error).message);
}

/** A bigint parameter from a JS number: ±Infinity (open-ended ranges) become the largest safe integers. */
export function bigintParam(n: number): number {
  if (n === Number.POSITIVE_INFINITY) return Number.MAX_SAFE_INTEGER;
  if (n === Number.NEGATIVE_INFINITY) return -Number.MAX_SAFE_INTEGER;
  return n;
}

/** A Uint8Array as a Buffer over the same memory (what the driver sends as bytea). */
export function asBuffer(data: Uint8Array): Buffer {
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
