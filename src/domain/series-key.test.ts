import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { canonicalLabels, labelsKey } from './series-key.js';

/** Deterministic pseudo-random numbers: the same cases on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const ALPHABET = ['a', 'b', 'B', '_', 'z', '0', 'é', 'Z', 'aa', 'ab'];

describe('label-set keys', () => {
  it('are the same whatever the order of the names, and follow Array.prototype.sort order', () => {
    const random = seeded(7);
    for (let round = 0; round < 2000; round++) {
      // Up to 24 names: both the insertion sort (≤ 16) and the fallback to Array.prototype.sort.
      const count = Math.floor(random() * 25);
      const labels: Record<string, string> = {};
      for (let i = 0; i < count; i++) {
        const name = Array.from(
          { length: 1 + Math.floor(random() * 3) },
          () => ALPHABET[Math.floor(random() * ALPHABET.length)],
        ).join('');
        labels[name] = `v${String(i)}`;
      }
      const names = Object.keys(labels);
      const shuffled: Record<string, string> = {};
      for (const name of [...names].sort(() => random() - 0.5)) shuffled[name] = labels[name]!;
      const expected = [...names]
        .sort()
        .map((name) => `${name}\xff${labels[name]!}\xfe`)
        .join('');
      assert.equal(labelsKey(labels), expected);
      assert.equal(labelsKey(shuffled), expected);
      assert.equal(labelsKey(canonicalLabels(shuffled)), expected);
    }
  });

  it('never leaves the caller with a reordered object', () => {
    const labels = { b: '1', a: '2' };
    labelsKey(labels);
    assert.deepEqual(Object.keys(labels), ['b', 'a']);
  });
});
