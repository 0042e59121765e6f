import type { Labels } from '../domain/metric.js';
import type {
  AggregateExpr,
  AtModifier,
  BinaryExpr,
  Expr,
  FunctionCall,
  MatrixSelector,
  SubqueryExpr,
  VectorSelector,
} from './ast.js';
import { add, aggregate, groupValue, startGroup, type Group } from './aggregation.js';
import {
  scalarBinop,
  signatureFunction,
  vectorAnd,
  vectorBinop,
  vectorOr,
  vectorScalarBinop,
  vectorUnless,
} from './binary-ops.js';
import { executionError, PromqlError, tooManySamples } from './errors.js';
import {
  compareLabels,
  deleteLabels,
  dropMetricName,
  EMPTY_LABELS,
  keepLabels,
  labelsKey,
  signatureWith,
  signatureWithout,
} from './labels.js';
import { RANGE_FUNCTIONS, type Window } from './range-functions.js';
import type { ReadReuse, SeriesSource, SourceSeries } from './series-source.js';
import type { Matrix, Sample, Series, StringValue, Vector } from './values.js';
import { absentLabels, VECTOR_FUNCTIONS } from './vector-functions.js';

/** What differs between the Prometheus versions the engine can follow (see ADR 0014). */
export interface CompatMode {
  /** Prometheus 3: range windows and the lookback exclude their left bound. */
  leftOpenWindows: boolean;
  /** Prometheus 3's other differences (rate's extrapolation order). */
  prometheus3: boolean;
}

/** The query-wide state every (sub)evaluator shares. */
export interface QueryContext {
  source: SeriesSource;
  lookbackMs: number;
  maxSamples: number;
  /** Date.now() after which the query fails with a timeout. */
  deadline: number;
  /** Step of a subquery written without one (`x[5m:]`): Prometheus' default evaluation interval. */
  subqueryStepMs: number;
  /** The query's own start and end, what `@ start()` and `@ end()` mean. */
  queryStart: number;
  queryEnd: number;
  compat: CompatMode;
  samples: { current: number };
  signal: AbortSignal | undefined;
}

/** How long the evaluator runs before it lets the event loop serve other requests. */
const SLICE_MS = 10;

type Value = Matrix | StringValue;

function unwrapParens(expr: Expr): Expr {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  return e;
}

/**
 * Evaluates a checked expression over the steps [start, end] every `interval` ms, the way Prometheus
 * 2.42's evaluator does (`promql/engine.go`): every expression yields a matrix holding one point per
 * step where it has a value; functions and operators see one instant vector per step (`rangeEval`).
 */
export class Evaluator {
  private sliceStart = performance.now();

  constructor(
    private readonly q: QueryContext,
    readonly start: number,
    readonly end: number,
    readonly interval: number,
  ) {}

  private get numSteps(): number {
    return Math.floor((this.end - this.start) / this.interval) + 1;
  }

  private async checkpoint(): Promise<void> {
    if (this.q.signal?.aborted === true)
      throw new PromqlError('canceled', 'query was canceled in expression evaluation');
    if (Date.now() > this.q.deadline) {
      throw new PromqlError('timeout', 'query timed out in expression evaluation');
    }
    if (performance.now() - this.sliceStart > SLICE_MS) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      this.sliceStart = performance.now();
      if (Date.now() > this.q.deadline) {
        throw new PromqlError('timeout', 'query timed out in expression evaluation');
      }
    }
  }

  private addSamples(count: number): void {
    this.q.samples.current += count;
    if (this.q.samples.current > this.q.maxSamples) throw tooManySamples(this.q.maxSamples);
  }

  private atTime(at: AtModifier | undefined): number | undefined {
    if (at === undefined) return undefined;
    if (at.kind === 'start') return this.q.queryStart;
    if (at.kind === 'end') return this.q.queryEnd;
    return at.ms;
  }

  async eval(expr: Expr): Promise<Value> {
    await this.checkpoint();
    switch (expr.kind) {
      case 'aggregate':
        return this.aggregate(expr);
      case 'call':
        return this.call(expr);
      case 'paren':
        return this.eval(expr.expr);
      case 'unary': {
        const value = (await this.eval(expr.expr)) as Matrix;
        if (expr.op === '+') return value;
        const out = value.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.v.map((v) => -v) }));
        checkUniqueLabelsets(out);
        return out;
      }
      case 'binary':
        return this.binary(expr);
      case 'number':
        return this.rangeEval([], () => [{ metric: EMPTY_LABELS, t: 0, v: expr.value }]);
      case 'string':
        return { kind: 'string', value: expr.value };
      case 'vector':
        return this.vectorSelector(expr);
      case 'matrix':
        return this.matrixSelector(expr);
      case 'subquery':
        return this.subquery(expr);
    }
  }

  /** Evaluates the arguments, then calls `fn` with their instant vectors at each step. */
  private async rangeEval(
    exprs: (Expr | undefined)[],
    fn: (vectors: Vector[], ts: number) => Vector,
  ): Promise<Matrix> {
    const before = this.q.samples.current;
    const matrixes: (Matrix | undefined)[] = [];
    for (const e of exprs) {
      if (e === undefined || unwrapParens(e).kind === 'string') matrixes.push(undefined);
      else matrixes.push((await this.eval(e)) as Matrix);
    }
    const cursors = matrixes.map((m) => (m === undefined ? [] : new Array<number>(m.length).fill(0)));
    const single = this.start === this.end;
    const bySeries = new Map<string, Series>();
    let outPoints = 0;
    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      await this.checkpoint();
      const vectors: Vector[] = matrixes.map((m, i) => {
        const vector: Vector = [];
        if (m === undefined) return vector;
        const cursor = cursors[i]!;
        for (let si = 0; si < m.length; si++) {
          const series = m[si]!;
          const at = cursor[si]!;
          if (at < series.t.length && series.t[at] === ts) {
            vector.push({ metric: series.metric, t: ts, v: series.v[at]! });
            cursor[si] = at + 1;
          }
        }
        return vector;
      });
      const result = fn(vectors, ts);
      checkUniqueSamples(result);
      outPoints += result.length;
      if (before + outPoints > this.q.maxSamples) throw tooManySamples(this.q.maxSamples);
      if (single) {
        this.q.samples.current = before + result.length;
        return result.map((s) => ({ metric: s.metric, t: [ts], v: [s.v] }));
      }
      for (const sample of result) {
        const key = labelsKey(sample.metric);
        let series = bySeries.get(key);
        if (series === undefined) {
          series = { metric: sample.metric, t: [], v: [] };
          bySeries.set(key, series);
        }
        series.t.push(ts);
        series.v.push(sample.v);
      }
    }
    this.q.samples.current = before + outPoints;
    return [...bySeries.values()];
  }

  private async aggregate(e: AggregateExpr): Promise<Matrix> {
    const op = e.op;
    if (
      op === 'sum' ||
      op === 'avg' ||
      op === 'min' ||
      op === 'max' ||
      op === 'count' ||
      op === 'group' ||
      op === 'stddev' ||
      op === 'stdvar'
    ) {
      return this.aggregateSeries(e, op);
    }
    const param = e.param === undefined ? undefined : unwrapParens(e.param);
    const keys = new WeakMap<Labels, string>();
    if (param?.kind === 'string') {
      return this.rangeEval([e.expr], (v) =>
        aggregate(e.op, e.grouping, e.without, param.value, v[0]!, keys),
      );
    }
    return this.rangeEval([e.param, e.expr], (v) =>
      aggregate(e.op, e.grouping, e.without, e.param === undefined ? undefined : v[0]![0]!.v, v[1]!, keys),
    );
  }

  /**
   * A parameterless aggregation over whole series instead of step by step: each series' group key is
   * computed once and its points added into per-step groups. Within a group and a step, samples are added
   * in the order of the input series, the order Prometheus adds them in, so the sums are the same floats.
   */
  private async aggregateSeries(
    e: AggregateExpr,
    op: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar',
  ): Promise<Matrix> {
    const grouping = [...e.grouping].sort();
    const steps = this.numSteps;
    const groups = new Map<string, { labels: Labels; byStep: (Group | undefined)[] }>();
    const sample: Sample = { metric: EMPTY_LABELS, t: 0, v: 0 };
    const addSeries = (metric: Labels, t: ArrayLike<number>, v: ArrayLike<number>, n: number): void => {
      const key = e.without ? signatureWithout(metric, grouping) : signatureWith(metric, grouping);
      let group = groups.get(key);
      if (group === undefined) {
        const labels = e.without
          ? deleteLabels(metric, [...grouping, '__name__'])
          : grouping.length > 0
            ? keepLabels(metric, grouping)
            : EMPTY_LABELS;
        group = { labels, byStep: new Array<Group | undefined>(steps) };
        groups.set(key, group);
      }
      for (let i = 0; i < n; i++) {
        const step = Math.round((t[i]! - this.start) / this.interval);
        sample.t = t[i]!;
        sample.v = v[i]!;
        const state = group.byStep[step];
        if (state === undefined) group.byStep[step] = startGroup(op, group.labels, sample);
        else add(op, state, sample, 0);
      }
    };
    const inner = unwrapParens(e.expr);
    const matrixIndex = inner.kind === 'call' ? streamableRangeArg(inner) : -1;
    if (inner.kind === 'call' && matrixIndex >= 0) {
      // A range function's series go straight into the groups as they are computed (no matrix of its
      // whole output); the labelset check its matrix would get is made on the labels alone.
      const seen = new Set<string>();
      await this.rangeCallEach(inner, matrixIndex, (metric, t, v, n) => {
        const labelset = labelsKey(metric);
        if (seen.has(labelset)) throw executionError('vector cannot contain metrics with the same labelset');
        seen.add(labelset);
        addSeries(metric, t, v, n);
      });
    } else {
      const input = (await this.eval(e.expr)) as Matrix;
      for (const series of input) {
        await this.checkpoint();
        addSeries(series.metric, series.t, series.v, series.t.length);
      }
    }
    const out: Matrix = [];
    for (const group of groups.values()) {
      const points: Series = { metric: group.labels, t: [], v: [] };
      group.byStep.forEach((state, step) => {
        if (state === undefined) return;
        points.t.push(this.start + step * this.interval);
        points.v.push(groupValue(op, state));
      });
      if (points.t.length > 0) {
        this.addSamples(points.t.length);
        out.push(points);
      }
    }
    return out;
  }

  private async binary(e: BinaryExpr): Promise<Matrix> {
    const lt = typeOfValue(e.lhs);
    const rt = typeOfValue(e.rhs);
    if (lt === 'scalar' && rt === 'scalar') {
      return this.rangeEval([e.lhs, e.rhs], (v) => [
        { metric: EMPTY_LABELS, t: 0, v: scalarBinop(e.op, v[0]![0]!.v, v[1]![0]!.v) },
      ]);
    }
    if (lt === 'vector' && rt === 'vector') {
      const matching = e.matching!;
      const sig = signatureFunction(matching);
      switch (e.op) {
        case 'and':
          return this.rangeEval([e.lhs, e.rhs], (v) => vectorAnd(v[0]!, v[1]!, sig));
        case 'or':
          return this.rangeEval([e.lhs, e.rhs], (v) => vectorOr(v[0]!, v[1]!, sig));
        case 'unless':
          return this.rangeEval([e.lhs, e.rhs], (v) => vectorUnless(v[0]!, v[1]!, sig));
        case '+':
        case '-':
        case '*':
        case '/':
        case '%':
        case '^':
        case 'atan2':
        case '==':
        case '!=':
        case '>':
        case '<':
        case '>=':
        case '<=':
          return this.rangeEval([e.lhs, e.rhs], (v) =>
            vectorBinop(e.op, v[0]!, v[1]!, matching, e.returnBool, sig),
          );
      }
    }
    if (lt === 'vector') {
      return this.rangeEval([e.lhs, e.rhs], (v) =>
        vectorScalarBinop(e.op, v[0]!, v[1]![0]!.v, false, e.returnBool),
      );
    }
    return this.rangeEval([e.lhs, e.rhs], (v) =>
      vectorScalarBinop(e.op, v[1]!, v[0]![0]!.v, true, e.returnBool),
    );
  }

  private async call(e: FunctionCall): Promise<Matrix> {
    if (e.name === 'timestamp') {
      const arg = unwrapParens(e.args[0]!);
      if (arg.kind === 'vector') {
        const loaded = await this.load(arg, this.q.lookbackMs);
        return this.rangeEval([], (_v, ts) => {
          const vector = this.selectAt(arg, loaded, ts);
          return vector.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.t / 1000 }));
        });
      }
    }
    const matrixIndex = e.args.findIndex((a) => {
      const u = unwrapParens(a);
      return u.kind === 'matrix' || u.kind === 'subquery';
    });
    if (matrixIndex < 0) {
      if (e.name === 'absent') {
        const labels = absentLabels(e.args[0]!);
        return this.rangeEval(e.args, (v) => (v[0]!.length > 0 ? [] : [{ metric: labels, t: 0, v: 1 }]));
      }
      const fn = VECTOR_FUNCTIONS.get(e.name);
      if (fn === undefined) throw executionError(`function "${e.name}" is not supported`);
      return this.rangeEval(e.args, (v, ts) => fn(v, e.args, { ts }));
    }
    return this.rangeCall(e, matrixIndex);
  }

  /** A function over a range vector (a matrix selector or a subquery), series by series. */
  private async rangeCall(e: FunctionCall, matrixIndex: number): Promise<Matrix> {
    const out: Matrix = [];
    const arg = await this.rangeCallEach(e, matrixIndex, (metric, t, v, n) => {
      const points: Series = { metric, t: new Array<number>(n), v: new Array<number>(n) };
      for (let i = 0; i < n; i++) {
        points.t[i] = t[i]!;
        points.v[i] = v[i]!;
      }
      out.push(points);
    });
    if (e.name === 'absent_over_time') return this.absentOverTime(out, arg);
    checkUniqueLabelsets(out);
    return out;
  }

  /**
   * Evaluates a range function series by series and hands each output series (`n` points in `t`, `v`,
   * arrays reused for the next series: copy what you keep) to `emit`, in the order of the input series.
   * A matrix selector's series are read a batch at a time when the source can (`readBatches`), so a sum
   * over 10,000 series' rates never holds more than a batch of raw samples. Returns the range argument.
   */
  private async rangeCallEach(
    e: FunctionCall,
    matrixIndex: number,
    emit: (metric: Labels, t: Float64Array, v: Float64Array, n: number) => void,
  ): Promise<MatrixSelector | SubqueryExpr> {
    const fn = RANGE_FUNCTIONS.get(e.name);
    if (fn === undefined) throw executionError(`function "${e.name}" is not supported`);
    const others: (Matrix | undefined)[] = [];
    for (let i = 0; i < e.args.length; i++) {
      others.push(i === matrixIndex ? undefined : ((await this.eval(e.args[i]!)) as Matrix));
    }
    const arg = unwrapParens(e.args[matrixIndex]!) as MatrixSelector | SubqueryExpr;
    let batches: AsyncIterable<SourceSeries[]> | Iterable<SourceSeries[]>;
    let offsetMs: number;
    let at: number | undefined;
    const rangeMs = arg.rangeMs;
    if (arg.kind === 'matrix') {
      batches = this.readBatches(arg.selector, rangeMs);
      offsetMs = arg.selector.offsetMs;
      at = this.atTime(arg.selector.at);
    } else {
      const inner = await this.subquery(arg);
      batches = [
        inner.map((s) => ({ labels: s.metric, t: Float64Array.from(s.t), v: Float64Array.from(s.v) })),
      ];
      offsetMs = arg.offsetMs;
      at = this.atTime(arg.at);
    }
    const leftOpen = this.q.compat.leftOpenWindows;
    const prometheus3 = this.q.compat.prometheus3;
    const keepName = e.name === 'last_over_time';
    const steps = this.numSteps;
    const outT = new Float64Array(steps);
    const outV = new Float64Array(steps);
    const params = new Array<number>(others.length - 1).fill(0);
    // One window object, moved along: a range query calls the function series × steps times.
    const w: Window = {
      t: new Float64Array(0),
      v: new Float64Array(0),
      lo: 0,
      hi: 0,
      ts: 0,
      rangeStart: 0,
      rangeEnd: 0,
      rangeMs,
      params,
      prometheus3,
    };
    for await (const series of batches) {
      for (const s of series) {
        await this.checkpoint();
        let n = 0;
        let lo = 0;
        let hi = 0;
        const t = s.t;
        w.t = t;
        w.v = s.v;
        let peak = 0;
        for (let step = 0; step < steps; step++) {
          const ts = this.start + step * this.interval;
          const maxt = (at ?? ts) - offsetMs;
          const mint = maxt - rangeMs;
          if (at !== undefined) {
            lo = 0;
            hi = 0;
          }
          while (hi < t.length && t[hi]! <= maxt) hi++;
          while (lo < hi && (leftOpen ? t[lo]! <= mint : t[lo]! < mint)) lo++;
          if (hi === lo) continue;
          if (hi - lo > peak) peak = hi - lo;
          let p = 0;
          for (let i = 0; i < others.length; i++) {
            if (i === matrixIndex) continue;
            params[p++] = others[i]![0]!.v[step]!;
          }
          w.lo = lo;
          w.hi = hi;
          w.ts = ts;
          w.rangeStart = mint;
          w.rangeEnd = maxt;
          const value = fn(w);
          if (value !== undefined) {
            outT[n] = ts;
            outV[n] = value;
            n++;
          }
        }
        if (this.q.samples.current + peak > this.q.maxSamples) throw tooManySamples(this.q.maxSamples);
        if (n > 0) {
          this.addSamples(n);
          emit(keepName ? s.labels : dropMetricName(s.labels), outT, outV, n);
        }
      }
    }
    return arg;
  }

  private absentOverTime(mat: Matrix, arg: MatrixSelector | SubqueryExpr): Matrix {
    const steps = this.numSteps;
    if (mat.some((s) => s.t.length === steps)) return [];
    const found = new Set<number>();
    for (const s of mat) for (const t of s.t) found.add(t);
    if (found.size === steps) return [];
    const absent: Series = { metric: absentLabels(arg), t: [], v: [] };
    for (let ts = this.start; ts <= this.end; ts += this.interval) {
      if (found.has(ts)) continue;
      absent.t.push(ts);
      absent.v.push(1);
    }
    return [absent];
  }

  /** The samples a selector needs for this evaluation: `extraMs` before the earliest step (range or lookback). */
  private async load(sel: VectorSelector, extraMs: number): Promise<SourceSeries[]> {
    const at = this.atTime(sel.at);
    const from = (at ?? this.start) - sel.offsetMs - extraMs;
    const to = (at ?? this.end) - sel.offsetMs;
    const series = await this.q.source.select(sel.matchers, from, to);
    let loaded = 0;
    for (const s of series) loaded += s.t.length;
    if (loaded > this.q.maxSamples) throw tooManySamples(this.q.maxSamples);
    return [...series].sort((a, b) => compareLabels(a.labels, b.labels));
  }

  /**
   * What `load` returns, a batch of READ_BATCH series at a time when the source reads in two steps
   * (labels first): raw samples of a long range over many series need not all be in memory at once.
   * Same series, same order, same sample limit (counted over the whole read) as `load`.
   */
  private async *readBatches(sel: VectorSelector, extraMs: number): AsyncGenerator<SourceSeries[]> {
    const source = this.q.source;
    if (source.match === undefined || source.read === undefined) {
      yield await this.load(sel, extraMs);
      return;
    }
    const at = this.atTime(sel.at);
    const from = (at ?? this.start) - sel.offsetMs - extraMs;
    const to = (at ?? this.end) - sel.offsetMs;
    const refs = [...source.match(sel.matchers)].sort((a, b) => compareLabels(a.labels, b.labels));
    let loaded = 0;
    // Each batch is done with (its rates added into the groups) before the next is asked for.
    const reuse: ReadReuse = {};
    for (let i = 0; i < refs.length; i += READ_BATCH) {
      const series = await source.read(refs.slice(i, i + READ_BATCH), from, to, refs.length, reuse);
      for (const s of series) loaded += s.t.length;
      if (loaded > this.q.maxSamples) throw tooManySamples(this.q.maxSamples);
      yield series;
    }
  }

  /** The newest sample of each series within the lookback of `ts` (Prometheus' vectorSelectorSingle). */
  private selectAt(sel: VectorSelector, series: SourceSeries[], ts: number): Sample[] {
    const ref = (this.atTime(sel.at) ?? ts) - sel.offsetMs;
    const floor = ref - this.q.lookbackMs;
    const leftOpen = this.q.compat.leftOpenWindows;
    const out: Sample[] = [];
    for (const s of series) {
      const i = lastAtOrBefore(s.t, ref);
      if (i < 0) continue;
      const t = s.t[i]!;
      if (leftOpen ? t <= floor : t < floor) continue;
      out.push({ metric: s.labels, t, v: s.v[i]! });
    }
    return out;
  }

  private async vectorSelector(sel: VectorSelector): Promise<Matrix> {
    const series = await this.load(sel, this.q.lookbackMs);
    const at = this.atTime(sel.at);
    const leftOpen = this.q.compat.leftOpenWindows;
    const out: Matrix = [];
    for (const s of series) {
      await this.checkpoint();
      const points: Series = { metric: s.labels, t: [], v: [] };
      let i = -1;
      for (let ts = this.start; ts <= this.end; ts += this.interval) {
        const ref = (at ?? ts) - sel.offsetMs;
        if (at !== undefined) i = lastAtOrBefore(s.t, ref);
        else while (i + 1 < s.t.length && s.t[i + 1]! <= ref) i++;
        if (i < 0) continue;
        const t = s.t[i]!;
        const floor = ref - this.q.lookbackMs;
        if (leftOpen ? t <= floor : t < floor) continue;
        points.t.push(ts);
        points.v.push(s.v[i]!);
      }
      if (points.t.length > 0) {
        this.addSamples(points.t.length);
        out.push(points);
      }
    }
    return out;
  }

  /** A range vector at one instant: the raw samples in (or, for 2.x, at the edge of) each window. */
  private async matrixSelector(sel: MatrixSelector): Promise<Matrix> {
    if (this.start !== this.end) throw executionError('cannot do range evaluation of matrix selector');
    const series = await this.load(sel.selector, sel.rangeMs);
    const maxt = (this.atTime(sel.selector.at) ?? this.start) - sel.selector.offsetMs;
    const mint = maxt - sel.rangeMs;
    const leftOpen = this.q.compat.leftOpenWindows;
    const out: Matrix = [];
    for (const s of series) {
      const points: Series = { metric: s.labels, t: [], v: [] };
      for (let i = 0; i < s.t.length; i++) {
        const t = s.t[i]!;
        if (t > maxt || (leftOpen ? t <= mint : t < mint)) continue;
        points.t.push(t);
        points.v.push(s.v[i]!);
      }
      if (points.t.length > 0) {
        this.addSamples(points.t.length);
        out.push(points);
      }
    }
    return out;
  }

  /** The inner expression evaluated at the subquery's own steps, aligned to multiples of its step. */
  private async subquery(e: SubqueryExpr): Promise<Matrix> {
    const at = this.atTime(e.at);
    const interval = e.stepMs > 0 ? e.stepMs : this.q.subqueryStepMs;
    const end = (at ?? this.end) - e.offsetMs;
    const earliest = (at ?? this.start) - e.offsetMs - e.rangeMs;
    let start = interval * Math.trunc(earliest / interval);
    if (start < earliest) start += interval;
    if (start > end) return [];
    const inner = new Evaluator(this.q, start, end, interval);
    const value = await inner.eval(e.expr);
    return value as Matrix;
  }
}

/** Index of the newest sample with t ≤ ref, or -1. */
function lastAtOrBefore(t: Float64Array, ref: number): number {
  let lo = 0;
  let hi = t.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t[mid]! <= ref) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

function typeOfValue(expr: Expr): 'scalar' | 'vector' {
  const e = unwrapParens(expr);
  switch (e.kind) {
    case 'number':
      return 'scalar';
    case 'call':
      return e.name === 'scalar' || e.name === 'time' || e.name === 'pi' ? 'scalar' : 'vector';
    case 'unary':
      return typeOfValue(e.expr);
    case 'binary':
      return typeOfValue(e.lhs) === 'scalar' && typeOfValue(e.rhs) === 'scalar' ? 'scalar' : 'vector';
    case 'aggregate':
    case 'matrix':
    case 'paren':
    case 'string':
    case 'subquery':
    case 'vector':
      return 'vector';
  }
}

function checkUniqueSamples(vector: Vector): void {
  if (vector.length < 2) return;
  const seen = new Set<string>();
  for (const s of vector) {
    const key = labelsKey(s.metric);
    if (seen.has(key)) throw executionError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

function checkUniqueLabelsets(matrix: Matrix): void {
  const seen = new Set<string>();
  for (const s of matrix) {
    const key = labelsKey(s.metric);
    if (seen.has(key)) throw executionError('vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

/** Series read at once by a range function over a matrix selector (when the source reads in two steps). */
const READ_BATCH = 512;

/**
 * The index of a call's range-vector argument if an aggregation can take its output series one by one:
 * a range function (not `absent_over_time`, whose output depends on all series) over a matrix selector
 * or subquery; -1 otherwise.
 */
function streamableRangeArg(e: FunctionCall): number {
  if (e.name === 'absent_over_time' || e.name === 'timestamp' || !RANGE_FUNCTIONS.has(e.name)) return -1;
  return e.args.findIndex((a) => {
    const u = unwrapParens(a);
    return u.kind === 'matrix' || u.kind === 'subquery';
  });
}
