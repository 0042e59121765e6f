import { inSpan } from '../telemetry/tracing.js';
import { DomainError } from '../domain/errors.js';
import { labelValue, type Labels, type MetricType } from '../domain/metric.js';
import type { FamilyView, LabelSetView, SampleRange, TsdbReader } from '../tsdb/read-port.js';
import { evaluateSeries, functionName, histogramQuantile, type QueryFunction } from './functions.js';
import type { LabelMatcher } from './matchers.js';

export const MAX_POINTS = 11_000;
export const MAX_QUERY_SERIES = 10_000;
/** Series read per store call: few round trips, and memory bounded by a batch, not by the query. */
const READ_BATCH_SERIES = 512;

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
    private readonly reader: TsdbReader,
    /** Told how long each range query took (the application collector keeps a histogram of it). */
    private readonly onQuery?: (seconds: number) => void,
  ) {}

  family(name: string): FamilyView {
    const family = this.reader.family(name);
    if (family === undefined) {
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
    const sets = this.reader.labelSets(family.def.name, query.matchers);
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
    const groups = [...groupSets(sets, query.by)];
    const values =
      family.def.type === 'histogram'
        ? await this.histogramValues(family, groups, steps, from, to, query)
        : await this.scalarValues(groups, steps, from, to, query);
    const series: QuerySeries[] = [];
    groups.forEach(([labels], g) => {
      const points: [number, number][] = [];
      values[g]!.forEach((value, i) => {
        if (!Number.isNaN(value)) points.push([steps[i]!, value]);
      });
      // As in Prometheus, a series with no point in the range is not in the answer.
      if (points.length > 0) series.push({ labels, points });
    });
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

  /** Each group's values per step: its members evaluated, then combined. */
  private async scalarValues(
    groups: readonly [Labels, LabelSetView[]][],
    steps: number[],
    from: number,
    to: number,
    q: RangeQuery,
  ): Promise<Float64Array[]> {
    const evaluated = new Map<LabelSetView, Float64Array>();
    await this.readEach(
      groups.flatMap(([, members]) => members),
      from,
      to,
      (set, [range]) => {
        const counter = set.family.def.type === 'counter';
        evaluated.set(set, evaluateSeries(range!.t, range!.v, steps, q.windowMs, q.fn, counter));
      },
    );
    const agg = aggregationOf(q);
    return groups.map(([, members]) =>
      combine(
        members.map((set) => evaluated.get(set)!),
        agg,
      ),
    );
  }

  /**
   * Bucket, sum and count increases per step, summed over each group, then the asked figure. A step
   * where no member has a sample yet stays without a value (NaN), not zero.
   */
  private async histogramValues(
    family: FamilyView,
    groups: readonly [Labels, LabelSetView[]][],
    steps: number[],
    from: number,
    to: number,
    q: RangeQuery,
  ): Promise<Float64Array[]> {
    const width = family.seriesPerSet;
    const groupOf = new Map<LabelSetView, number>();
    groups.forEach(([, members], g) => {
      for (const set of members) groupOf.set(set, g);
    });
    const totals = groups.map(() =>
      Array.from({ length: width }, () => new Float64Array(steps.length).fill(Number.NaN)),
    );
    await this.readEach([...groupOf.keys()], from, to, (set, ranges) => {
      const groupTotals = totals[groupOf.get(set)!]!;
      ranges.forEach(({ t, v }, i) => {
        const increases = evaluateSeries(t, v, steps, q.windowMs, 'increase', true);
        const total = groupTotals[i]!;
        for (let s = 0; s < steps.length; s++) {
          const increase = increases[s]!;
          if (Number.isNaN(increase)) continue;
          total[s] = Number.isNaN(total[s]!) ? increase : total[s]! + increase;
        }
      });
    });
    return totals.map((groupTotals) => histogramFigure(family, groupTotals, steps.length, q));
  }

  /** Reads the samples of every series of the sets, a batch of series per store call. */
  private async readEach(
    sets: readonly LabelSetView[],
    from: number,
    to: number,
    visit: (set: LabelSetView, ranges: SampleRange[]) => void,
  ): Promise<void> {
    let batch: LabelSetView[] = [];
    let ids: number[] = [];
    const flush = async (): Promise<void> => {
      const ranges = await this.reader.readSamples(ids, from, to);
      let at = 0;
      for (const set of batch) {
        visit(set, ranges.slice(at, at + set.ids.length));
        at += set.ids.length;
      }
      batch = [];
      ids = [];
    };
    for (const set of sets) {
      batch.push(set);
      ids.push(...set.ids);
      if (ids.length >= READ_BATCH_SERIES) await flush();
    }
    if (batch.length > 0) await flush();
  }
}

/** The asked figure of a histogram group at each step, from its summed bucket, sum and count increases. */
function histogramFigure(
  family: FamilyView,
  totals: readonly Float64Array[],
  stepCount: number,
  q: RangeQuery,
): Float64Array {
  const bounds = [...family.def.buckets, Number.POSITIVE_INFINITY];
  const sum = totals[bounds.length]!;
  const count = totals[bounds.length + 1]!;
  const out = new Float64Array(stepCount).fill(Number.NaN);
  const counts = new Float64Array(bounds.length);
  for (let s = 0; s < stepCount; s++) {
    if (Number.isNaN(count[s]!)) continue; // no member had a sample yet
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

function aggregationOf(q: RangeQuery): Aggregation {
  if (q.agg !== undefined) return q.agg;
  if (q.fn === 'min' || q.fn === 'max') return q.fn;
  if (q.fn === 'avg' || typeof q.fn !== 'string') return 'avg';
  return 'sum';
}

function groupSets(
  sets: readonly LabelSetView[],
  by: readonly string[] | undefined,
): Map<Labels, LabelSetView[]> {
  const groups = new Map<Labels, LabelSetView[]>();
  if (by === undefined) {
    for (const set of sets) groups.set(set.labels, [set]);
    return groups;
  }
  const byKey = new Map<string, LabelSetView[]>();
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
