import type { PromqlEngineApi, PromqlQueryOptions, PromqlResult } from './api.js';
import { typeOf, type Expr } from './ast.js';
import { PromqlError } from './errors.js';
import { Evaluator, type CompatMode, type QueryContext } from './evaluator.js';
import { functionReturnType } from './functions-table.js';
import { compareLabels } from './labels.js';
import { parsePromql } from './parser.js';
import type { SeriesSource } from './series-source.js';
import type { Matrix, Series } from './values.js';

export interface PromqlEngineOptions {
  source: SeriesSource;
  /** Newest sample older than this is not an instant vector's value (Prometheus: 5 minutes). */
  lookbackMs?: number;
  /** Samples a query may hold at once (Prometheus' --query.max-samples, 50,000,000). */
  maxSamples?: number;
  /** Default query timeout (Prometheus' --query.timeout, 2 minutes). */
  timeoutMs?: number;
  /** Points per series a range query may ask for (Prometheus: 11,000). */
  maxPointsPerSeries?: number;
  /** Step of subqueries written without one (Prometheus' default evaluation interval, 1 minute). */
  subqueryStepMs?: number;
  /** Which Prometheus' semantics to follow where 2.x and 3.x differ (ADR 0014). */
  compat?: 2 | 3;
}

export const PROMQL_DEFAULTS = {
  lookbackMs: 5 * 60_000,
  maxSamples: 50_000_000,
  timeoutMs: 120_000,
  maxPointsPerSeries: 11_000,
  subqueryStepMs: 60_000,
  compat: 2 as 2 | 3,
};

/** The PromQL engine over a series source: Prometheus 2.42's semantics by default. */
export function createPromqlEngine(options: PromqlEngineOptions): PromqlEngineApi {
  const settings = { ...PROMQL_DEFAULTS, ...stripUndefined(options) };
  const compat: CompatMode = { leftOpenWindows: settings.compat === 3, prometheus3: settings.compat === 3 };

  function context(startMs: number, endMs: number, query?: PromqlQueryOptions): QueryContext {
    return {
      source: options.source,
      lookbackMs: query?.lookbackMs ?? settings.lookbackMs,
      maxSamples: settings.maxSamples,
      deadline: Date.now() + (query?.timeoutMs ?? settings.timeoutMs),
      subqueryStepMs: settings.subqueryStepMs,
      queryStart: startMs,
      queryEnd: endMs,
      compat,
      samples: { current: 0 },
      signal: query?.signal,
    };
  }

  return {
    validate(expr: string): void {
      parsePromql(expr);
    },

    async instantQuery(expr: string, timeMs: number, query?: PromqlQueryOptions): Promise<PromqlResult> {
      const ast = parsePromql(expr);
      const type = typeOf(ast, functionReturnType);
      const evaluator = new Evaluator(context(timeMs, timeMs, query), timeMs, timeMs, 1);
      const value = await evaluator.eval(ast);
      if (!Array.isArray(value)) return { resultType: 'string', result: [timeMs, value.value] };
      if (type === 'scalar') return { resultType: 'scalar', result: [timeMs, value[0]?.v[0] ?? Number.NaN] };
      if (type === 'matrix') {
        return {
          resultType: 'matrix',
          result: value.map((s) => ({
            metric: s.metric,
            values: pairs(s),
          })),
        };
      }
      return {
        resultType: 'vector',
        result: value.map((s) => ({ metric: s.metric, value: [timeMs, s.v[0]!] as [number, number] })),
      };
    },

    async rangeQuery(
      expr: string,
      startMs: number,
      endMs: number,
      stepMs: number,
      query?: PromqlQueryOptions,
    ): Promise<PromqlResult> {
      const ast = parsePromql(expr);
      checkRange(ast, startMs, endMs, stepMs, settings.maxPointsPerSeries);
      const evaluator = new Evaluator(context(startMs, endMs, query), startMs, endMs, stepMs);
      const value = (await evaluator.eval(ast)) as Matrix;
      const sorted = [...value].sort((a, b) => compareLabels(a.metric, b.metric));
      return {
        resultType: 'matrix',
        result: sorted.map((s) => ({
          metric: s.metric,
          values: pairs(s),
        })),
      };
    },
  };
}

function checkRange(ast: Expr, startMs: number, endMs: number, stepMs: number, maxPoints: number): void {
  const type = typeOf(ast, functionReturnType);
  if (type !== 'scalar' && type !== 'vector') {
    const documented = type === 'matrix' ? 'range vector' : type;
    throw new PromqlError(
      'bad_data',
      `invalid expression type "${documented}" for range query, must be Scalar or instant Vector`,
    );
  }
  if (!(stepMs > 0)) {
    throw new PromqlError(
      'bad_data',
      'zero or negative query resolution step widths are not accepted. Try a positive integer',
    );
  }
  if (endMs < startMs) throw new PromqlError('bad_data', 'end timestamp must not be before start time');
  if ((endMs - startMs) / stepMs > maxPoints) {
    throw new PromqlError(
      'bad_data',
      `exceeded maximum resolution of ${maxPoints.toLocaleString('en-US')} points per timeseries. Try decreasing the query resolution (?step=XX)`,
    );
  }
}

/** A series' points as the API writes them: [t, v] pairs. */
function pairs(s: Series): [number, number][] {
  const out = new Array<[number, number]>(s.t.length);
  for (let i = 0; i < s.t.length; i++) out[i] = [s.t[i]!, s.v[i]!];
  return out;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
