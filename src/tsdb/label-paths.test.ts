import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LabelPaths } from './label-paths.js';

describe('label paths', () => {
  it('finds a set by its pairs in the order stored, and keeps the paths that share a prefix apart', () => {
    const paths = new LabelPaths<string>();
    const long = { job: 'api', instance: 'a' };
    const short = { job: 'api' };
    paths.add(['job', 'instance'], long, 'long');
    paths.add(['job'], short, 'short');
    assert.equal(paths.find({ job: 'api', instance: 'a' }), 'long');
    assert.equal(paths.find({ instance: 'a', job: 'api' }), undefined, 'another order is not this path');
    assert.equal(paths.find({ job: 'api' }), 'short');
    assert.equal(paths.find({}), undefined);
    paths.remove(['job'], short, 'short');
    assert.equal(paths.find({ job: 'api' }), undefined);
    assert.equal(paths.find({ job: 'api', instance: 'a' }), 'long', 'the longer path stays');
    paths.remove(['job', 'instance'], long, 'other');
    assert.equal(paths.find({ job: 'api', instance: 'a' }), 'long', 'removes only the set it was given');
    paths.remove(['job', 'instance'], long, 'long');
    assert.equal(paths.find({ job: 'api', instance: 'a' }), undefined);
    paths.add([], {}, 'empty');
    assert.equal(paths.find({}), 'empty');
    paths.clear();
    assert.equal(paths.find({}), undefined);
  });

  it('predicts the next set from the order of earlier lookups, and answers as the walk would', () => {
    const paths = new LabelPaths<string>();
    const a = { job: 'api', instance: 'a' };
    const b = { job: 'api', instance: 'b' };
    paths.add(['job', 'instance'], a, 'a');
    paths.add(['job', 'instance'], b, 'b');
    for (let round = 0; round < 3; round++) {
      assert.equal(paths.find({ job: 'api', instance: 'a' }), 'a');
      assert.equal(paths.find({ job: 'api', instance: 'b' }), 'b');
    }
    // After a: b is predicted; a lookup of other pairs (a prefix, another order, one more pair) misses it.
    paths.find(a);
    assert.equal(paths.find({ job: 'api' }), undefined);
    paths.find(a);
    assert.equal(paths.find({ instance: 'b', job: 'api' }), undefined);
    paths.find(a);
    assert.equal(paths.find({ job: 'api', instance: 'b', zone: 'x' }), undefined);
    paths.find(a);
    const inherited = Object.create({ job: 'api' }) as Record<string, string>;
    inherited.instance = 'b';
    assert.equal(paths.find(inherited), undefined, 'an inherited pair is not a label');
    // A predicted set that was removed is not answered, even when its pairs match.
    paths.find(a);
    paths.find(b);
    paths.find(a);
    paths.remove(['job', 'instance'], b, 'b');
    assert.equal(paths.find({ job: 'api', instance: 'b' }), undefined);
    paths.add(['job', 'instance'], b, 'b2');
    paths.find(a);
    assert.equal(paths.find({ job: 'api', instance: 'b' }), 'b2');
    // After clear, nothing of the old tree is answered.
    paths.find(a);
    paths.clear();
    assert.equal(paths.find({ job: 'api', instance: 'b' }), undefined);
  });

  it('answers the set stored last under the same pairs, predicted or walked', () => {
    // A follower may load a re-created set before it replays the old one's deletion (ADR 0027).
    const paths = new LabelPaths<string>();
    paths.add(['job'], { job: 'x' }, 'old');
    paths.add(['job'], { job: 'y' }, 'y');
    for (const job of ['x', 'y', 'x', 'y']) paths.find({ job });
    paths.add(['job'], { job: 'x' }, 'new');
    assert.equal(paths.find({ job: 'x' }), 'new', 'predicted after y');
    paths.find({ job: 'y' });
    paths.remove(['job'], { job: 'x' }, 'old');
    assert.equal(paths.find({ job: 'x' }), 'new', 'removing the old set leaves the new one');
  });

  for (const compactAbove of [64, 0]) {
    it(`answers every lookup as an exact-order map would, through random adds, removes, clears and repeats (table rebuilt above ${String(compactAbove)} dead slots)`, () => {
      randomLookups(new LabelPaths<string>(compactAbove));
    });
  }

  it('keeps its prediction table to about twice the live sets through churn', () => {
    const paths = new LabelPaths<number>(4);
    for (let i = 0; i < 1000; i++) {
      const labels = { id: String(i) };
      paths.add(['id'], labels, i);
      assert.equal(paths.find({ id: String(i) }), i);
      if (i >= 2) paths.remove(['id'], { id: String(i - 2) }, i - 2);
    }
    assert.ok(paths.slots <= 2 * 2 + 4 + 1, `${String(paths.slots)} slots for 2 live sets`);
    assert.equal(paths.find({ id: '999' }), 999);
    assert.equal(paths.find({ id: '998' }), 998);
    assert.equal(paths.find({ id: '997' }), undefined);
  });
});

function randomLookups(paths: LabelPaths<string>): void {
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % n;
  };
  const names = ['job', 'instance', 'zone'];
  const values = ['a', 'b', 'c'];
  const labelsOf = (): Record<string, string> => {
    const labels: Record<string, string> = {};
    const order = [...names].sort(() => random(3) - 1).slice(0, random(4));
    for (const name of order) labels[name] = values[random(3)]!;
    return labels;
  };
  const keyOf = (labels: Record<string, string>) => JSON.stringify(Object.entries(labels));
  const reference = new Map<string, string>();
  let sequence: Record<string, string>[] = [];
  for (let step = 0; step < 20_000; step++) {
    const op = random(100);
    if (op < 10) {
      const labels = labelsOf();
      const set = `s${String(step)}`;
      if (!reference.has(keyOf(labels))) {
        paths.add(Object.keys(labels), labels, set);
        reference.set(keyOf(labels), set);
      }
    } else if (op < 15) {
      const labels = labelsOf();
      const set = reference.get(keyOf(labels));
      if (set !== undefined) {
        paths.remove(Object.keys(labels), labels, set);
        reference.delete(keyOf(labels));
      }
    } else if (op < 16) {
      paths.clear();
      reference.clear();
    } else if (op < 40) {
      sequence = Array.from({ length: 1 + random(6) }, labelsOf);
    } else {
      // Mostly the same sequence again, as a sender repeats its series, so predictions are tried.
      for (const labels of sequence) {
        assert.equal(paths.find({ ...labels }), reference.get(keyOf(labels)), `step ${String(step)}`);
      }
    }
  }
}
