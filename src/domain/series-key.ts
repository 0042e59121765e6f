import type { Labels } from './metric.js';

/**
 * Canonical identity of a label set inside one family: label names sorted, joined with separators that
 * cannot appear in label names (\xff) so two different label sets never share a key.
 */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels);
  if (names.length === 0) return '';
  sortNames(names);
  let key = '';
  for (const name of names) key += `${name}\xff${labels[name]!}\xfe`;
  return key;
}

/**
 * Sorts label names in place, in the order of Array.prototype.sort (UTF-16 code units). This runs for
 * every ingested sample: names usually arrive sorted (one pass, no allocation), and a few out of order
 * are insertion-sorted, because Array.prototype.sort allocates its work state on every call. Long lists
 * (before the label limit is checked) still go to Array.prototype.sort, which is O(n log n).
 */
function sortNames(names: string[]): void {
  let i = 1;
  while (i < names.length && names[i - 1]! < names[i]!) i++;
  if (i >= names.length) return;
  if (names.length > 16) {
    names.sort();
    return;
  }
  for (; i < names.length; i++) {
    const name = names[i]!;
    let j = i - 1;
    while (j >= 0 && names[j]! > name) {
      names[j + 1] = names[j]!;
      j--;
    }
    names[j + 1] = name;
  }
}

/** A frozen, sorted copy, so stored label sets are stable and cannot be mutated by callers. */
export function canonicalLabels(labels: Labels): Labels {
  const out: Record<string, string> = {};
  for (const name of Object.keys(labels).sort()) out[name] = labels[name]!;
  return Object.freeze(out);
}
