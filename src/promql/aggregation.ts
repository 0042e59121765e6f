import type { Labels } from '../domain/metric.js';
import type { AggregateOp } from './ast.js';
import { executionError } from './errors.js';
import { formatFloat } from './go-float.js';
import { deleteLabels, keepLabels, setLabel, signatureWith, signatureWithout } from './labels.js';
import { quantile } from './quantile.js';
import type { Sample, Vector } from './values.js';
import { isValidLabelName } from './literals.js';

export interface Group {
  labels: Labels;
  value: number;
  mean: number;
  count: number;
  /** topk/bottomk: a binary heap ordered as Prometheus orders it; quantile: every value. */
  heap: Sample[];
}

/**
 * One step of an aggregation, as Prometheus 2.42 computes it (`evaluator.aggregation`): groups in order
 * of first appearance, plain float sums, the incremental mean of `avg`, Welford's `stddev`/`stdvar`, and
 * the heaps of `topk`/`bottomk` (so ties resolve the same way).
 */
export function aggregate(
  op: AggregateOp,
  groupingIn: readonly string[],
  without: boolean,
  param: number | string | undefined,
  vector: Vector,
  /** Grouping keys by label set, kept by the caller across the steps of one aggregation. */
  keys: WeakMap<Labels, string> = new WeakMap(),
): Vector {
  let grouping = [...groupingIn].sort();
  let k = 0;
  if (op === 'topk' || op === 'bottomk') {
    const f = param as number;
    if (!Number.isFinite(f) && !Number.isNaN(f))
      throw executionError(`Scalar value ${formatFloat(f)} overflows int64`);
    if (Math.abs(f) >= 2 ** 63) throw executionError(`Scalar value ${formatFloat(f)} overflows int64`);
    k = Number.isNaN(f) ? 0 : Math.trunc(f);
    if (k < 1) return [];
  }
  const q = op === 'quantile' ? (param as number) : 0;
  let valueLabel = '';
  if (op === 'count_values') {
    valueLabel = param as string;
    if (!isValidLabelName(valueLabel)) throw executionError(`invalid label name "${valueLabel}"`);
    if (!without) grouping = [...grouping, valueLabel].sort();
  }
  const compute = without
    ? (l: Labels) => signatureWithout(l, grouping)
    : (l: Labels) => signatureWith(l, grouping);
  const keyOf =
    op === 'count_values'
      ? compute
      : (l: Labels) => {
          let key = keys.get(l);
          if (key === undefined) {
            key = compute(l);
            keys.set(l, key);
          }
          return key;
        };
  const groups = new Map<string, Group>();
  const ordered: Group[] = [];
  for (const sample of vector) {
    let metric = sample.metric;
    if (op === 'count_values') metric = setLabel(metric, valueLabel, formatFloat(sample.v));
    const key = keyOf(metric);
    const group = groups.get(key);
    if (group === undefined) {
      const labels = without
        ? deleteLabels(metric, [...grouping, '__name__'])
        : grouping.length > 0
          ? keepLabels(metric, grouping)
          : {};
      const fresh = startGroup(op, labels, sample);
      groups.set(key, fresh);
      ordered.push(fresh);
      continue;
    }
    add(op, group, sample, k);
  }
  const out: Vector = [];
  for (const group of ordered) {
    switch (op) {
      case 'avg':
        group.value = group.mean;
        break;
      case 'count':
      case 'count_values':
        group.value = group.count;
        break;
      case 'stdvar':
        group.value = group.value / group.count;
        break;
      case 'stddev':
        group.value = Math.sqrt(group.value / group.count);
        break;
      case 'topk':
      case 'bottomk': {
        const sorted = sortHeapForOutput(group.heap, op === 'topk');
        for (const s of sorted) out.push({ metric: s.metric, t: s.t, v: s.v });
        continue;
      }
      case 'quantile':
        group.value = quantile(
          q,
          group.heap.map((s) => s.v),
        );
        break;
      case 'sum':
      case 'min':
      case 'max':
      case 'group':
        break;
    }
    out.push({ metric: group.labels, t: 0, v: group.value });
  }
  return out;
}

/** A group opened by its first sample, as Prometheus opens it. */
export function startGroup(op: AggregateOp, labels: Labels, sample: Sample): Group {
  const fresh: Group = { labels, value: sample.v, mean: sample.v, count: 1, heap: [] };
  if (op === 'stddev' || op === 'stdvar') fresh.value = 0;
  else if (op === 'group') fresh.value = 1;
  if (op === 'topk' || op === 'bottomk' || op === 'quantile') fresh.heap.push(sample);
  return fresh;
}

/** The value of a group of a parameterless aggregation once every sample is in. */
export function groupValue(
  op: 'sum' | 'avg' | 'min' | 'max' | 'count' | 'group' | 'stddev' | 'stdvar',
  group: Group,
): number {
  switch (op) {
    case 'avg':
      return group.mean;
    case 'count':
      return group.count;
    case 'stdvar':
      return group.value / group.count;
    case 'stddev':
      return Math.sqrt(group.value / group.count);
    case 'sum':
    case 'min':
    case 'max':
    case 'group':
      return group.value;
  }
}

export function add(op: AggregateOp, group: Group, sample: Sample, k: number): void {
  const v = sample.v;
  switch (op) {
    case 'sum':
      group.value += v;
      return;
    case 'avg': {
      group.count++;
      if (!Number.isFinite(group.mean) && !Number.isNaN(group.mean)) {
        if (!Number.isFinite(v) && !Number.isNaN(v) && group.mean > 0 === v > 0) return;
        if (Number.isFinite(v)) return;
      }
      group.mean += v / group.count - group.mean / group.count;
      return;
    }
    case 'group':
      return;
    case 'max':
      if (group.value < v || Number.isNaN(group.value)) group.value = v;
      return;
    case 'min':
      if (group.value > v || Number.isNaN(group.value)) group.value = v;
      return;
    case 'count':
    case 'count_values':
      group.count++;
      return;
    case 'stddev':
    case 'stdvar': {
      group.count++;
      const delta = v - group.mean;
      group.mean += delta / group.count;
      group.value += delta * (v - group.mean);
      return;
    }
    case 'topk':
    case 'bottomk': {
      const top = op === 'topk';
      const heap = group.heap;
      const root = heap[0]!;
      const admits = top ? root.v < v || Number.isNaN(root.v) : root.v > v || Number.isNaN(root.v);
      if (heap.length < k || admits) {
        if (heap.length === k) {
          if (k === 1) {
            heap[0] = sample;
            return;
          }
          heapPop(heap, top);
        }
        heapPush(heap, sample, top);
      }
      return;
    }
    case 'quantile':
      group.heap.push(sample);
      return;
  }
}

/** Go's container/heap over Prometheus' orders: topk keeps a min-heap (NaN lowest), bottomk a max-heap. */
function less(heap: Sample[], i: number, j: number, top: boolean): boolean {
  const a = heap[i]!.v;
  const b = heap[j]!.v;
  if (Number.isNaN(a)) return true;
  return top ? a < b : a > b;
}

function swap(heap: Sample[], i: number, j: number): void {
  const t = heap[i]!;
  heap[i] = heap[j]!;
  heap[j] = t;
}

function up(heap: Sample[], j: number, top: boolean): void {
  for (;;) {
    const i = Math.floor((j - 1) / 2);
    if (i === j || j <= 0 || !less(heap, j, i, top)) break;
    swap(heap, i, j);
    j = i;
  }
}

function down(heap: Sample[], i0: number, n: number, top: boolean): void {
  let i = i0;
  for (;;) {
    const j1 = 2 * i + 1;
    if (j1 >= n || j1 < 0) break;
    let j = j1;
    const j2 = j1 + 1;
    if (j2 < n && less(heap, j2, j1, top)) j = j2;
    if (!less(heap, j, i, top)) break;
    swap(heap, i, j);
    i = j;
  }
}

function heapPush(heap: Sample[], sample: Sample, top: boolean): void {
  heap.push(sample);
  up(heap, heap.length - 1, top);
}

function heapPop(heap: Sample[], top: boolean): void {
  const n = heap.length - 1;
  swap(heap, 0, n);
  down(heap, 0, n, top);
  heap.pop();
}

/** `sort.Sort(sort.Reverse(heap))`: topk largest first, bottomk smallest first, NaN last. */
function sortHeapForOutput(heap: Sample[], top: boolean): Sample[] {
  return [...heap].sort((a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return top ? b.v - a.v : a.v - b.v;
  });
}
