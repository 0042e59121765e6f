import type { Labels } from '../../domain/metric.js';
import { parseSeriesSelector } from '../../promapi/series-selector.js';

/** promtool's `stale` (a staleness marker): the store has none, so it reads as a gap (see ADR 0015). */
const STALE = Symbol('stale');

/**
 * promtool's expanding notation for `input_series` values: `1 2 3`, `a+bxn` (n+1 values from a, step b),
 * `a-bxn`, `axn` (a, n+1 times), `_` (no sample), `_xn` (n+1 missing), `stale`. Values at 0, interval,
 * 2·interval… ms.
 */
export function expandValues(text: string, intervalMs: number): [number, number][] {
  const values: (number | undefined | typeof STALE)[] = [];
  for (const token of text.trim().split(/\s+/)) {
    if (token === '') continue;
    if (token === '_') {
      values.push(undefined);
      continue;
    }
    if (token === 'stale') {
      values.push(STALE);
      continue;
    }
    const missing = /^_x(\d+)$/.exec(token);
    if (missing !== null) {
      for (let i = 0; i <= Number(missing[1]); i++) values.push(undefined);
      continue;
    }
    const series = /^([+-]?[^+\-x]+(?:[eE][+-]?\d+)?)(?:([+-])([^x]+))?x(\d+)$/.exec(token);
    if (series !== null) {
      const start = number(series[1]!, text);
      const step = series[3] === undefined ? 0 : number(series[3], text) * (series[2] === '-' ? -1 : 1);
      for (let i = 0; i <= Number(series[4]); i++) values.push(start + step * i);
      continue;
    }
    values.push(number(token, text));
  }
  const out: [number, number][] = [];
  for (const [i, v] of values.entries()) {
    if (v === STALE) continue; // no staleness markers in this store: a gap
    if (v !== undefined) out.push([i * intervalMs, v]);
  }
  return out;
}

function number(token: string, text: string): number {
  const t = token.trim();
  if (/^[+-]?inf$/i.test(t)) return t.startsWith('-') ? -Infinity : Infinity;
  if (/^nan$/i.test(t)) return Number.NaN;
  const n = Number(t);
  if (t === '' || Number.isNaN(n)) throw new Error(`cannot parse "${token}" in values "${text}"`);
  return n;
}

/** `metric{a="b"}` → its labels (`__name__` included); only `=` matchers make sense here. */
export function seriesLabels(selector: string): Labels {
  const labels: Record<string, string> = {};
  for (const m of parseSeriesSelector(selector)) {
    if (m.op !== '=') throw new Error(`series "${selector}": only = matchers describe a series`);
    labels[m.name] = m.value;
  }
  return labels;
}
