import type { Labels } from '../domain/metric.js';

/**
 * What the PromQL engine offers its callers (the Prometheus HTTP API, rule evaluation, the dashboard):
 * the result kinds of Prometheus, with times in milliseconds and values as numbers (NaN and ±Inf
 * included; the HTTP layer writes them as Prometheus does, as strings).
 */
export type PromqlResult =
  | { resultType: 'vector'; result: { metric: Labels; value: [number, number] }[] }
  | { resultType: 'matrix'; result: { metric: Labels; values: [number, number][] }[] }
  | { resultType: 'scalar'; result: [number, number] }
  | { resultType: 'string'; result: [number, string] };

export interface PromqlQueryOptions {
  /** Overrides the configured query timeout for this query. */
  timeoutMs?: number;
  /** Overrides the configured lookback delta (5 minutes by default). */
  lookbackMs?: number;
  /** Aborts the evaluation (a client that went away): the query fails with `canceled`. */
  signal?: AbortSignal;
}

/** A query refused or failed, with Prometheus' error type (`bad_data` for parse errors, with a position). */
export interface PromqlErrorShape {
  errorType: 'bad_data' | 'timeout' | 'canceled' | 'execution' | 'too_many_samples';
  message: string;
  /** Character offsets in the expression, for parse errors. */
  position?: { from: number; to: number };
}

export interface PromqlEngineApi {
  instantQuery(expr: string, timeMs: number, options?: PromqlQueryOptions): Promise<PromqlResult>;
  rangeQuery(
    expr: string,
    startMs: number,
    endMs: number,
    stepMs: number,
    options?: PromqlQueryOptions,
  ): Promise<PromqlResult>;
  /** Parses without evaluating: throws the same error `instantQuery` would for a syntax error. */
  validate(expr: string): void;
}
