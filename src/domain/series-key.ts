import type { Labels } from './metric.js';

/**
 * Canonical identity of a label set inside one family: label names sorted, joined with separators that
 * cannot appear in label names (\xff) so two different label sets never share a key.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  if (names.length > 1) names.sort();
  let key = '';
  for (const name of names) key += `${name}\xff${labels[name]!}\xfe`;
  return key;
}

/** A frozen, sorted copy, so stored label sets are stable and cannot be mutated by callers. */
export function canonicalLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return Object.freeze(out);
}
