import { inSpan } from '../telemetry/tracing.js';
import { DomainError } from '../domain/errors.js';
import { labelValue, type Labels, type MetricType } from '../domain/metric.js';
import type { Family, LabelSet, SeriesRegistry } from '../tsdb/registry.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { evaluateSeries, functionName, histogramQuantile, type QueryFunction } from './functions.js';
import { compileMatchers, type LabelMatcher } from './matchers.js';

export const MAX_POINTS = 11_000;
export const MAX_QUERY_SERIES = 10_000;

export type Aggregation = 'sum' | 'avg' | 'min' | 'max' | 'count';

export interface RangeQuery {
  metric: string;
  matchers: readonly LabelMatcher[];
  start: number;
  end: number;
  stepMs: number;
  /** Window of the aggregation at each step; defaults to the step. */
  windowMs: number;
  fn: QueryFunction;
  /** Group series by these labels (the other labels are aggregated away). */
  by?: readonly string[];
  /** How grouped series combine; defaults by function (min→min, max→max, avg/quantiles→avg, else sum). */
  agg?: Aggregation;
}

export interface QuerySeries {
  labels: Labels;
  points: [number, number][];
}

export interface QueryResult {
  metric: string;
  type: MetricType;
  fn: string;
  start: number;
  end: number;
  step: number;
  series: QuerySeries[];
}

/**
 * Step timestamps counted back from `end`, so the newest point always covers the newest samples
 * (a live chart shows the value just pushed), oldest first.
 */
export function stepTimes(start: number, end: number, stepMs: number): number[] {
  const count = Math.floor((end - start) / stepMs) + 1;
  const steps = new Array<number>(count);
  for (let i = 0; i < count; i++) steps[i] = end - (count - 1 - i) * stepMs;
  return steps;
}

export class QueryEngine {
  constructor(
    private readonly registry: SeriesRegistry,
    private readonly tsdb: Tsdb,
    /** Told how long each range query took (the application collector keeps a histogram of it). */
    private readonly onQuery?: (seconds: number) => void,
  ) {}

  family(name: string): Family {
    const family = this.registry.families.get(name);
    if (family === undefined || !family.committed) {
      throw new DomainError('metric_not_found', 404, `no metric named "${name}"`, 'metric');
    }
    return family;
  }

  async range(query: RangeQuery): Promise<QueryResult> {
    const started = performance.now();
    try {
      return await inSpan('store.query', { 'metric.name': query.metric }, () => this.evaluate(query));
    } finally {
      this.onQuery?.((performance.now() - started) / 1000);
    }
  }

  private async evaluate(query: RangeQuery): Promise<QueryResult> {
    const family = this.family(query.metric);
    if (query.end < query.start) throw new DomainError('invalid_query', 422, 'end is before start', 'end');
    if (query.stepMs <= 0) throw new DomainError('invalid_query', 422, 'step must be positive', 'step');
    if ((query.end - query.start) / query.stepMs >= MAX_POINTS) {
      throw new DomainError(
        'invalid_query',
        422,
        `at most ${MAX_POINTS} points per series: widen the step`,
        'step',
      );
    }
    const steps = stepTimes(query.start, query.end, query.stepMs);
    const matches = compileMatchers(query.matchers);
    const sets = [...family.sets.values()].filter((set) => set.committed && matches(set.labels));
    if (sets.length > MAX_QUERY_SERIES) {
      throw new DomainError(
        'invalid_query',
        422,
        `the selector matches ${sets.length} series (at most ${MAX_QUERY_SERIES})`,
        'match',
      );
    }
    const from = (steps[0] ?? query.start) - query.windowMs;
    const to = steps[steps.length - 1] ?? query.end;
    const groups = groupSets(sets, query.by);
    const series: QuerySeries[] = [];
    for (const [labels, members] of groups) {
      const values =
        family.def.type === 'histogram'
          ? await this.histogramValues(family, members, steps, from, to, query)
          : combine(
              await Promise.all(members.map((set) => this.scalarValues(set, steps, from, to, query))),
              aggregationOf(query),
            );
      const points: [number, number][] = [];
      values.forEach((value, i) => {
        if (!Number.isNaN(value)) points.push([steps[i]!, value]);
      });
      series.push({ labels, points });
    }
    return {
      metric: family.def.name,
      type: family.def.type,
      fn: functionName(query.fn),
      start: query.start,
      end: query.end,
      step: query.stepMs / 1000,
      series,
    };
  }

  private async scalarValues(
    set: LabelSet,
    steps: number[],
    from: number,
    to: number,
    q: RangeQuery,
  ): Promise<Float64Array> {
    const { t, v } = await this.tsdb.read(set.ids[0]!, from, to);
    return evaluateSeries(t, v, steps, q.windowMs, q.fn, set.family.def.type === 'counter');
  }

  /** Bucket, sum and count increases per step, summed over the group, then the asked figure. */
  private async histogramValues(
    family: Family,
    members: readonly LabelSet[],
    steps: number[],
    from: number,
    to: number,
    q: RangeQuery,
  ): Promise<Float64Array> {
    const width = family.seriesPerSet;
    const totals = Array.from({ length: width }, () => new Float64Array(steps.length));
    for (const set of members) {
      for (let i = 0; i < width; i++) {
        const { t, v } = await this.tsdb.read(set.ids[i]!, from, to);
        const increases = evaluateSeries(t, v, steps, q.windowMs, 'increase', true);
        const total = totals[i]!;
        for (let s = 0; s < steps.length; s++) total[s]! += increases[s]!;
      }
    }
    const bounds = [...family.def.buckets, Number.POSITIVE_INFINITY];
    const sum = totals[bounds.length]!;
    const count = totals[bounds.length + 1]!;
    const out = new Float64Array(steps.length);
    const counts = new Float64Array(bounds.length);
    for (let s = 0; s < steps.length; s++) {
      const fn = q.fn;
      if (typeof fn !== 'string') {
        for (let b = 0; b < bounds.length; b++) counts[b] = totals[b]![s]!;
        out[s] = histogramQuantile(fn.quantile, bounds, counts);
      } else if (fn === 'count') out[s] = count[s]!;
      else if (fn === 'sum') out[s] = sum[s]!;
      else if (fn === 'avg') out[s] = count[s]! > 0 ? sum[s]! / count[s]! : Number.NaN;
      else out[s] = count[s]! / (q.windowMs / 1000); // rate
    }
    return out;
  }
}

function aggregationOf(q: RangeQuery): Aggregation {
  if (q.agg !== undefined) return q.agg;
  if (q.fn === 'min' || q.fn === 'max') return q.fn;
  if (q.fn === 'avg' || typeof q.fn !== 'string') return 'avg';
  return 'sum';
}

function groupSets(sets: readonly LabelSet[], by: readonly string[] | undefined): Map<Labels, LabelSet[]> {
  const groups = new Map<Labels, LabelSet[]>();
  if (by === undefined) {
    for (const set of sets) groups.set(set.labels, [set]);
    return groups;
  }
  const byKey = new Map<string, LabelSet[]>();
  const labelsOf = new Map<string, Labels>();
  for (const set of sets) {
    const labels: Record<string, string> = {};
    for (const name of by) {
      const value = labelValue(set.labels, name);
      if (value !== undefined) labels[name] = value;
    }
    const key = JSON.stringify(labels);
    const group = byKey.get(key);
    if (group === undefined) {
      byKey.set(key, [set]);
      labelsOf.set(key, labels);
    } else group.push(set);
  }
  for (const [key, group] of byKey) groups.set(labelsOf.get(key)!, group);
  return groups;
}

function combine(values: readonly Float64Array[], agg: Aggregation): Float64Array {
  if (values.length === 1) return values[0]!;
  const length = values[0]?.length ?? 0;
  const out = new Float64Array(length).fill(Number.NaN);
  for (let s = 0; s < length; s++) {
    let n = 0;
    let acc = agg === 'min' ? Number.POSITIVE_INFINITY : agg === 'max' ? Number.NEGATIVE_INFINITY : 0;
    for (const series of values) {
      const value = series[s]!;
      if (Number.isNaN(value)) continue;
      n++;
      if (agg === 'min') acc = Math.min(acc, value);
      else if (agg === 'max') acc = Math.max(acc, value);
      else acc += value;
    }
    if (n === 0) continue;
    out[s] = agg === 'avg' ? acc / n : agg === 'count' ? n : acc;
  }
  return out;
}
