import { RE2JS } from 're2js';
import type { Labels } from '../domain/metric.js';
import type { Expr } from './ast.js';
import { executionError } from './errors.js';
import {
  deleteLabels,
  dropMetricName,
  EMPTY_LABELS,
  getLabel,
  labelsKey,
  makeLabels,
  setLabel,
} from './labels.js';
import { isValidLabelName } from './literals.js';
import { bucketQuantile, type Bucket } from './quantile.js';
import type { StepContext, Vector } from './values.js';

/**
 * The functions over instant vectors and scalars, as Prometheus 2.42 computes them. `vals` holds each
 * argument's value at this step (a scalar as a one-element vector; string arguments are read from `args`).
 */
export type VectorFunction = (vals: Vector[], args: Expr[], ctx: StepContext) => Vector;

function simple(f: (v: number) => number): VectorFunction {
  return (vals) => vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: f(s.v) }));
}

function stringArg(expr: Expr): string {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  if (e.kind !== 'string') throw executionError('expected a string argument');
  return e.value;
}

function date(f: (d: Date) => number): VectorFunction {
  return (vals, _args, ctx) => {
    if (vals.length === 0) {
      return [{ metric: EMPTY_LABELS, t: ctx.ts, v: f(new Date(Math.trunc(ctx.ts / 1000) * 1000)) }];
    }
    return vals[0]!.map((s) => ({
      metric: dropMetricName(s.metric),
      t: s.t,
      v: f(new Date(Math.trunc(s.v) * 1000)),
    }));
  };
}

function scalarArg(vals: Vector[], i: number): number {
  return vals[i]![0]!.v;
}

/** Labels for `absent(...)`: the equality matchers of a selector argument, once each. */
export function absentLabels(expr: Expr): Labels {
  let e = expr;
  while (e.kind === 'paren') e = e.expr;
  const matchers = e.kind === 'vector' ? e.matchers : e.kind === 'matrix' ? e.selector.matchers : [];
  const labels = new Map<string, string>();
  const seen = new Set<string>();
  for (const m of matchers) {
    if (m.name === '__name__') continue;
    if (m.type === '=' && !seen.has(m.name)) {
      labels.set(m.name, m.value);
      seen.add(m.name);
    } else {
      labels.delete(m.name);
    }
  }
  return makeLabels(labels);
}

function labelReplace(vals: Vector[], args: Expr[]): Vector {
  const dst = stringArg(args[1]!);
  const replacement = stringArg(args[2]!);
  const src = stringArg(args[3]!);
  const regexText = stringArg(args[4]!);
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(`^(?:${regexText})$`);
  } catch {
    throw executionError(`invalid regular expression in label_replace(): ${regexText}`);
  }
  if (!isValidLabelName(dst))
    throw executionError(`invalid destination label name in label_replace(): ${dst}`);
  const cache = new Map<string, Labels>();
  return vals[0]!.map((s) => {
    const key = labelsKey(s.metric);
    let metric = cache.get(key);
    if (metric === undefined) {
      const value = getLabel(s.metric, src);
      const matcher = regex.matcher(value);
      if (!matcher.find()) metric = s.metric;
      else metric = setLabel(s.metric, dst, expandTemplate(replacement, matcher, regex.groupCount()));
      cache.set(key, metric);
    }
    return { metric, t: s.t, v: s.v };
  });
}

/** Go's regexp `Expand`: `$1`, `${1}`, `$name`, `${name}`; `$$` is a dollar; unknown groups are empty. */
function expandTemplate(template: string, matcher: ReturnType<RE2JS['matcher']>, groups: number): string {
  let out = '';
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (c !== '$' || i + 1 >= template.length) {
      out += c;
      continue;
    }
    const next = template[i + 1]!;
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    let name: string;
    let end: number;
    if (next === '{') {
      const close = template.indexOf('}', i + 2);
      if (close < 0) {
        out += c;
        continue;
      }
      name = template.slice(i + 2, close);
      end = close;
      if (!/^[a-zA-Z0-9_]+$/.test(name)) {
        out += c;
        continue;
      }
    } else {
      const match = /^[a-zA-Z0-9_]+/.exec(template.slice(i + 1));
      if (match === null) {
        out += c;
        continue;
      }
      name = match[0];
      end = i + name.length;
    }
    if (/^\d+$/.test(name)) {
      const index = Number(name);
      if (index <= groups) out += matcher.group(index) ?? '';
    } else {
      try {
        out += matcher.group(name) ?? '';
      } catch {
        // An unknown group name expands to nothing, as in Go.
      }
    }
    i = end;
  }
  return out;
}

function labelJoin(vals: Vector[], args: Expr[]): Vector {
  const dst = stringArg(args[1]!);
  const separator = stringArg(args[2]!);
  const sources = args.slice(3).map((a) => {
    const src = stringArg(a);
    if (!isValidLabelName(src)) throw executionError(`invalid source label name in label_join(): ${src}`);
    return src;
  });
  if (!isValidLabelName(dst)) throw executionError(`invalid destination label name in label_join(): ${dst}`);
  return vals[0]!.map((s) => {
    const value = sources.map((src) => getLabel(s.metric, src)).join(separator);
    return { metric: setLabel(s.metric, dst, value), t: s.t, v: s.v };
  });
}

function histogramQuantile(vals: Vector[]): Vector {
  const q = scalarArg(vals, 0);
  const groups = new Map<string, { metric: Labels; buckets: Bucket[] }>();
  for (const s of vals[1]!) {
    const le = getLabel(s.metric, 'le');
    const upperBound = parseGoFloat(le);
    if (upperBound === undefined) continue;
    const rest = deleteLabels(s.metric, ['le']);
    const key = labelsKey(rest);
    let group = groups.get(key);
    if (group === undefined) {
      group = { metric: dropMetricName(rest), buckets: [] };
      groups.set(key, group);
    }
    group.buckets.push({ upperBound, count: s.v });
  }
  const out: Vector = [];
  for (const group of groups.values()) {
    if (group.buckets.length > 0)
      out.push({ metric: group.metric, t: 0, v: bucketQuantile(q, group.buckets) });
  }
  return out;
}

/** strconv.ParseFloat for `le` values: decimal, exponent, Inf/NaN in any case, optional sign. */
function parseGoFloat(text: string): number | undefined {
  const lower = text.toLowerCase();
  const body = lower.replace(/^[+-]/, '');
  const sign = lower.startsWith('-') ? -1 : 1;
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (body === 'nan') return Number.NaN;
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body) || /^0x[0-9a-f]+(\.[0-9a-f]*)?(p[+-]?\d+)?$/.test(body)) {
    const value = Number(body);
    return Number.isNaN(value) ? undefined : sign * value;
  }
  return undefined;
}

function sortBy(desc: boolean): VectorFunction {
  return (vals) =>
    [...vals[0]!].sort((a, b) => {
      if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
      if (Number.isNaN(b.v)) return -1;
      return desc ? b.v - a.v : a.v - b.v;
    });
}

export const VECTOR_FUNCTIONS: ReadonlyMap<string, VectorFunction> = new Map<string, VectorFunction>([
  ['abs', simple(Math.abs)],
  ['ceil', simple(Math.ceil)],
  ['floor', simple(Math.floor)],
  ['exp', simple(Math.exp)],
  ['sqrt', simple(Math.sqrt)],
  ['ln', simple(Math.log)],
  ['log2', simple(Math.log2)],
  ['log10', simple(Math.log10)],
  ['sin', simple(Math.sin)],
  ['cos', simple(Math.cos)],
  ['tan', simple(Math.tan)],
  ['asin', simple(Math.asin)],
  ['acos', simple(Math.acos)],
  ['atan', simple(Math.atan)],
  ['sinh', simple(Math.sinh)],
  ['cosh', simple(Math.cosh)],
  ['tanh', simple(Math.tanh)],
  ['asinh', simple(Math.asinh)],
  ['acosh', simple(Math.acosh)],
  ['atanh', simple(Math.atanh)],
  ['rad', simple((v) => (v * Math.PI) / 180)],
  ['deg', simple((v) => (v * 180) / Math.PI)],
  ['sgn', simple((v) => (v < 0 ? -1 : v > 0 ? 1 : v))],
  ['pi', () => [{ metric: EMPTY_LABELS, t: 0, v: Math.PI }]],
  ['time', (_vals, _args, ctx) => [{ metric: EMPTY_LABELS, t: ctx.ts, v: ctx.ts / 1000 }]],
  ['timestamp', (vals) => vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: s.t / 1000 }))],
  ['vector', (vals) => [{ metric: EMPTY_LABELS, t: 0, v: scalarArg(vals, 0) }]],
  [
    'scalar',
    (vals) => [{ metric: EMPTY_LABELS, t: 0, v: vals[0]!.length === 1 ? vals[0]![0]!.v : Number.NaN }],
  ],
  [
    'clamp',
    (vals) => {
      const min = scalarArg(vals, 1);
      const max = scalarArg(vals, 2);
      if (max < min) return [];
      return vals[0]!.map((s) => ({
        metric: dropMetricName(s.metric),
        t: s.t,
        v: goMax(min, goMin(max, s.v)),
      }));
    },
  ],
  [
    'clamp_max',
    (vals) => {
      const max = scalarArg(vals, 1);
      return vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: goMin(max, s.v) }));
    },
  ],
  [
    'clamp_min',
    (vals) => {
      const min = scalarArg(vals, 1);
      return vals[0]!.map((s) => ({ metric: dropMetricName(s.metric), t: s.t, v: goMax(min, s.v) }));
    },
  ],
  [
    'round',
    (vals) => {
      const toNearest = vals.length >= 2 ? scalarArg(vals, 1) : 1;
      const inverse = 1 / toNearest;
      return vals[0]!.map((s) => ({
        metric: dropMetricName(s.metric),
        t: s.t,
        v: Math.floor(s.v * inverse + 0.5) / inverse,
      }));
    },
  ],
  ['sort', sortBy(false)],
  ['sort_desc', sortBy(true)],
  ['label_replace', labelReplace],
  ['label_join', labelJoin],
  ['histogram_quantile', histogramQuantile],
  ['days_in_month', date((d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate())],
  ['day_of_month', date((d) => d.getUTCDate())],
  ['day_of_week', date((d) => d.getUTCDay())],
  [
    'day_of_year',
    date(
      (d) =>
        Math.floor(
          (Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) -
            Date.UTC(d.getUTCFullYear(), 0, 1)) /
            86400000,
        ) + 1,
    ),
  ],
  ['hour', date((d) => d.getUTCHours())],
  ['minute', date((d) => d.getUTCMinutes())],
  ['month', date((d) => d.getUTCMonth() + 1)],
  ['year', date((d) => d.getUTCFullYear())],
]);

/** Go's math.Max/Min: NaN wins, and ±0 are ordered. */
function goMax(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.max(a, b);
}

function goMin(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.NaN;
  return Math.min(a, b);
}
