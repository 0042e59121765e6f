import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSetView } from '../tsdb/read-port.js';
import { AcceptedSamples } from './accepted-samples.js';

const set = (name: string) => ({ name }) as unknown as LabelSetView;

describe('AcceptedSamples', () => {
  it('counts what was added and gives each sample back as an object, in item index order', () => {
    const a = set('a');
    const b = set('b');
    const accepted = new AcceptedSamples(4);
    assert.equal(accepted.count, 0);
    assert.deepEqual(accepted.toArray(), []);
    // Added in time order, which is not the items' order here.
    accepted.add(2, a, 1_700_000_000_123);
    accepted.add(0, b, 1_700_000_000_456);
    accepted.add(3, a, 1_700_000_000_789.5);
    assert.equal(accepted.count, 3);
    assert.equal(accepted.setAt(1), b);
    assert.deepEqual(accepted.toArray(), [
      { index: 0, set: b, t: 1_700_000_000_456 },
      { index: 2, set: a, t: 1_700_000_000_123 },
      { index: 3, set: a, t: 1_700_000_000_789.5 },
    ]);
  });

  it('visits the index and set of each sample in the order they were added, without building objects', () => {
    const a = set('a');
    const b = set('b');
    const accepted = new AcceptedSamples(3);
    accepted.add(1, a, 10);
    accepted.add(0, b, 20);
    const seen: [number, LabelSetView][] = [];
    accepted.forEach((index, s) => seen.push([index, s]));
    assert.deepEqual(seen, [
      [1, a],
      [0, b],
    ]);
  });
});
