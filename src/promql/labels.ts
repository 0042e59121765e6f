import type { Labels } from '../domain/metric.js';

/**
 * Label sets inside the engine: plain objects whose keys are sorted by name, never holding an empty
 * value (an empty label is an absent label in Prometheus). Keys for maps are built once per object.
 */

const SEP = '\xff';
const keys = new WeakMap<Labels, string>();

export const EMPTY_LABELS: Labels = Object.freeze({});

function byName(a: [string, string], b: [string, string]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

/** A label set from entries in any order; empty values are dropped. */
export function makeLabels(entries: Iterable<[string, string]>): Labels {
  const list = [...entries].filter(([, value]) => value !== '');
  list.sort(byName);
  return Object.fromEntries(list);
}

/** A string identifying the label set (names and values), for maps. */
export function labelsKey(labels: Labels): string {
  let key = keys.get(labels);
  if (key === undefined) {
    key = '';
    for (const name in labels) key += name + SEP + labels[name]! + SEP;
    keys.set(labels, key);
  }
  return key;
}

export function getLabel(labels: Labels, name: string): string {
  return Object.hasOwn(labels, name) ? labels[name]! : '';
}

export function dropMetricName(labels: Labels): Labels {
  if (!Object.hasOwn(labels, '__name__')) return labels;
  const rest: Record<string, string> = {};
  for (const name in labels) if (name !== '__name__') rest[name] = labels[name]!;
  return rest;
}

/** The labels whose names are listed (Prometheus' `Keep`). */
export function keepLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name in labels) if (names.includes(name)) out[name] = labels[name]!;
  return out;
}

/** The labels whose names are not listed (Prometheus' `Del`). */
export function deleteLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {};
  for (const name in labels) if (!names.includes(name)) out[name] = labels[name]!;
  return out;
}

/** A copy with one label set (or removed, for an empty value), keys kept sorted. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const entries = Object.entries(labels).filter(([n]) => n !== name);
  if (value !== '') entries.push([name, value]);
  entries.sort(byName);
  return Object.fromEntries(entries);
}

/** Signature of the listed labels only (`on`, `by`): names are the caller's, sorted. */
export function signatureWith(labels: Labels, names: readonly string[]): string {
  let key = '';
  for (const name of names) if (Object.hasOwn(labels, name)) key += name + SEP + labels[name]! + SEP;
  return key;
}

/** Signature of every label but the listed ones and the metric name (`ignoring`, `without`). */
export function signatureWithout(labels: Labels, names: readonly string[]): string {
  let key = '';
  for (const name in labels) {
    if (name === '__name__' || names.includes(name)) continue;
    key += name + SEP + labels[name]! + SEP;
  }
  return key;
}

/** Prometheus' `labels.Compare`: label by label, names then values; shorter first on a tie. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a);
  const bn = Object.keys(b);
  const n = Math.min(an.length, bn.length);
  for (let i = 0; i < n; i++) {
    const x = an[i]!;
    const y = bn[i]!;
    if (x !== y) return x < y ? -1 : 1;
    const xv = a[x]!;
    const yv = b[y]!;
    if (xv !== yv) return xv < yv ? -1 : 1;
  }
  return an.length - bn.length;
}

/** `{a="x", b="y"}`, as Prometheus prints label sets in messages. */
export function labelsString(labels: Labels): string {
  return `{${Object.entries(labels)
    .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
    .join(', ')}}`;
}
