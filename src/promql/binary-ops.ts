import type { Labels } from '../domain/metric.js';
import { COMPARISON_OPS, type BinaryOp, type VectorMatching } from './ast.js';
import { executionError } from './errors.js';
import { goPow } from './go-float.js';
import {
  deleteLabels,
  dropMetricName,
  getLabel,
  keepLabels,
  labelsKey,
  labelsString,
  setLabel,
  signatureWith,
  signatureWithout,
} from './labels.js';
import type { Sample, Vector } from './values.js';

/** Prometheus 2.42 drops the metric name for these operators only (not for atan2 or comparisons). */
function dropsName(op: BinaryOp): boolean {
  return op === '+' || op === '-' || op === '*' || op === '/' || op === '^' || op === '%';
}

/** The matching signature of a series for `on`/`ignoring` (labels sorted once by the caller). */
export function signatureFunction(matching: VectorMatching): (labels: Labels) => string {
  const names = [...matching.labels].sort();
  const compute = matching.on
    ? (l: Labels) => signatureWith(l, names)
    : (l: Labels) => signatureWithout(l, names);
  // One expression sees the same label set objects at every step: compute each signature once.
  const cache = new WeakMap<Labels, string>();
  return (l) => {
    let sig = cache.get(l);
    if (sig === undefined) {
      sig = compute(l);
      cache.set(l, sig);
    }
    return sig;
  };
}

export function scalarBinop(op: BinaryOp, lhs: number, rhs: number): number {
  switch (op) {
    case '+':
      return lhs + rhs;
    case '-':
      return lhs - rhs;
    case '*':
      return lhs * rhs;
    case '/':
      return lhs / rhs;
    case '^':
      return goPow(lhs, rhs);
    case '%':
      return lhs % rhs;
    case '==':
      return lhs === rhs ? 1 : 0;
    case '!=':
      return lhs !== rhs ? 1 : 0;
    case '>':
      return lhs > rhs ? 1 : 0;
    case '<':
      return lhs < rhs ? 1 : 0;
    case '>=':
      return lhs >= rhs ? 1 : 0;
    case '<=':
      return lhs <= rhs ? 1 : 0;
    case 'atan2':
      return Math.atan2(lhs, rhs);
    case 'and':
    case 'or':
    case 'unless':
      throw executionError(`operator "${op}" not allowed for Scalar operations`);
  }
}

/** The value of `lhs op rhs` between two elements, and whether a filtering comparison keeps it. */
function elementBinop(op: BinaryOp, lhs: number, rhs: number): [number, boolean] {
  switch (op) {
    case '==':
      return [lhs, lhs === rhs];
    case '!=':
      return [lhs, lhs !== rhs];
    case '>':
      return [lhs, lhs > rhs];
    case '<':
      return [lhs, lhs < rhs];
    case '>=':
      return [lhs, lhs >= rhs];
    case '<=':
      return [lhs, lhs <= rhs];
    case '+':
    case '-':
    case '*':
    case '/':
    case '%':
    case '^':
    case 'atan2':
    case 'and':
    case 'or':
    case 'unless':
      return [scalarBinop(op, lhs, rhs), true];
  }
}

export function vectorAnd(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [];
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => right.has(sig(s.metric)));
}

export function vectorOr(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0) return [...rhs];
  if (rhs.length === 0) return [...lhs];
  const left = new Set(lhs.map((s) => sig(s.metric)));
  return [...lhs, ...rhs.filter((s) => !left.has(sig(s.metric)))];
}

export function vectorUnless(lhs: Vector, rhs: Vector, sig: (l: Labels) => string): Vector {
  if (lhs.length === 0 || rhs.length === 0) return [...lhs];
  const right = new Set(rhs.map((s) => sig(s.metric)));
  return lhs.filter((s) => !right.has(sig(s.metric)));
}

/** Arithmetic and comparison between two instant vectors with one-to-one or grouped matching. */
export function vectorBinop(
  op: BinaryOp,
  lhsIn: Vector,
  rhsIn: Vector,
  matching: VectorMatching,
  returnBool: boolean,
  sig: (l: Labels) => string,
): Vector {
  if (lhsIn.length === 0 || rhsIn.length === 0) return [];
  const oneToMany = matching.card === 'one-to-many';
  const [lhs, rhs] = oneToMany ? [rhsIn, lhsIn] : [lhsIn, rhsIn];
  const rightSigs = new Map<string, Sample>();
  for (const rs of rhs) {
    const key = sig(rs.metric);
    const duplicate = rightSigs.get(key);
    if (duplicate !== undefined) {
      const matched = matching.on
        ? keepLabels(rs.metric, matching.labels)
        : deleteLabels(rs.metric, [...matching.labels, '__name__']);
      throw executionError(
        `found duplicate series for the match group ${labelsString(matched)} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: [${labelsString(rs.metric)}, ${labelsString(duplicate.metric)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    }
    rightSigs.set(key, rs);
  }
  const matchedSigs = new Map<string, Set<string> | null>();
  const out: Vector = [];
  for (const ls of lhs) {
    const key = sig(ls.metric);
    const rs = rightSigs.get(key);
    if (rs === undefined) continue;
    const [vl, vr] = oneToMany ? [rs.v, ls.v] : [ls.v, rs.v];
    const [computed, keep] = elementBinop(op, vl, vr);
    let value = computed;
    if (returnBool) {
      value = keep ? 1 : 0;
    } else if (!keep) {
      continue;
    }
    let metric = resultMetric(ls.metric, rs.metric, op, matching);
    if (returnBool) metric = dropMetricName(metric);
    const inserted = matchedSigs.get(key);
    if (matching.card === 'one-to-one') {
      if (inserted !== undefined) {
        throw executionError(
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      }
      matchedSigs.set(key, null);
    } else {
      const metricKey = labelsKey(metric);
      if (inserted === undefined || inserted === null) {
        matchedSigs.set(key, new Set([metricKey]));
      } else if (inserted.has(metricKey)) {
        throw executionError('multiple matches for labels: grouping labels must ensure unique matches');
      } else {
        inserted.add(metricKey);
      }
    }
    out.push({ metric, t: ls.t, v: value });
  }
  return out;
}

function resultMetric(lhs: Labels, rhs: Labels, op: BinaryOp, matching: VectorMatching): Labels {
  let metric = dropsName(op) ? dropMetricName(lhs) : lhs;
  if (matching.card === 'one-to-one') {
    metric = matching.on ? keepLabels(metric, matching.labels) : deleteLabels(metric, matching.labels);
  }
  for (const name of matching.include) metric = setLabel(metric, name, getLabel(rhs, name));
  return metric;
}

/** A vector against a scalar; `swap` when the scalar is on the left. */
export function vectorScalarBinop(
  op: BinaryOp,
  lhs: Vector,
  scalar: number,
  swap: boolean,
  returnBool: boolean,
): Vector {
  const out: Vector = [];
  const comparison = COMPARISON_OPS.has(op);
  for (const sample of lhs) {
    const [lv, rv] = swap ? [scalar, sample.v] : [sample.v, scalar];
    let [value, keep] = elementBinop(op, lv, rv);
    if (comparison && swap) value = rv;
    if (returnBool) {
      value = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    const metric = dropsName(op) || returnBool ? dropMetricName(sample.metric) : sample.metric;
    out.push({ metric, t: sample.t, v: value });
  }
  return out;
}
