import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Labels } from '../domain/metric.js';
import { LabelSetIndex, labelsHash } from './label-set-index.js';

const set = (labels: Labels) => ({ labels: Object.freeze({ ...labels }) });
const hashOf = (labels: Labels) => labelsHash(Object.keys(labels), labels);

describe('label-set index', () => {
  it('finds a set from its labels in any order, and nothing for other labels', () => {
    const index = new LabelSetIndex<{ labels: Labels }>();
    const a = set({ instance: 'host-1', shard: '7' });
    const b = set({ instance: 'host-1' });
    const c = set({});
    for (const s of [a, b, c]) index.add(s);
    assert.equal(index.find({ shard: '7', instance: 'host-1' }), a);
    assert.equal(index.find({ instance: 'host-1' }), b);
    assert.equal(index.find({}), c);
    assert.equal(index.find({ instance: 'host-1', shard: '8' }), undefined);
    assert.equal(index.find({ instance: 'host-1', shard: '7', x: 'y' }), undefined);
    assert.equal(index.find({ instance: 'host-17' }), undefined);
    assert.equal(index.find({ instanc: 'ehost-1' }), undefined, 'the name/value boundary counts');
    assert.equal(index.find({ constructor: 'x' }), undefined, 'inherited properties are not labels');
    index.remove(a);
    assert.equal(index.find({ instance: 'host-1', shard: '7' }), undefined);
    assert.equal(index.find({ instance: 'host-1' }), b);
  });

  it('keeps sets whose hashes collide apart', () => {
    // Enough label sets for 32-bit hashes to collide (birthday bound), found rather than constructed.
    const seen = new Map<number, Labels>();
    let pair: [Labels, Labels] | undefined;
    for (let i = 0; pair === undefined && i < 2_000_000; i++) {
      const labels = { pod: `p${String(i)}` };
      const hash = hashOf(labels);
      const other = seen.get(hash);
      if (other === undefined) seen.set(hash, labels);
      else pair = [other, labels];
    }
    assert.ok(pair !== undefined, 'a colliding pair exists in the range searched');
    const [first, second] = pair;
    const index = new LabelSetIndex<{ labels: Labels }>();
    const one = set(first);
    const two = set(second);
    index.add(one);
    assert.equal(index.find(second), undefined, 'same hash, other labels: not found');
    index.add(two);
    assert.equal(index.find(first), one);
    assert.equal(index.find(second), two);
    index.remove(one);
    assert.equal(index.find(first), undefined);
    assert.equal(index.find(second), two);
    index.remove(two);
    assert.equal(index.find(second), undefined);
  });

  it('hashes the same pairs in any order alike', () => {
    assert.equal(hashOf({ a: '1', b: '2', c: '3' }), hashOf({ c: '3', a: '1', b: '2' }));
    assert.notEqual(hashOf({ a: '1', b: '2' }), hashOf({ a: '2', b: '1' }));
  });

  it('answers a frozen record it has seen from its identity, and forgets it when a set is removed', () => {
    const index = new LabelSetIndex<{ labels: Labels }>();
    const first = set({ job: 'api', instance: 'a' });
    index.add(first);
    const record = Object.freeze({ instance: 'a', job: 'api' });
    assert.equal(index.find(record), first);
    assert.equal(index.find(record), first, 'the second time from the identity cache');
    index.remove(first);
    assert.equal(index.find(record), undefined, 'a removed set is never answered');
    const again = set({ job: 'api', instance: 'a' });
    index.add(again);
    assert.equal(index.find(record), again);
    index.clear();
    assert.equal(index.find(record), undefined);
  });

  it('finds a set in the order a sender uses, a second and a third order alike, and forgets every order on removal', () => {
    const index = new LabelSetIndex<{ labels: Labels }>();
    const a = set({ instance: 'host-1', shard: '7' });
    index.add(a);
    assert.equal(index.find({ instance: 'host-1', shard: '7' }), a, 'canonical order');
    assert.equal(index.find({ shard: '7', instance: 'host-1' }), a, 'another order: by the hash');
    assert.equal(
      index.find({ shard: '7', instance: 'host-1' }),
      a,
      'that order again: by its remembered path',
    );
    assert.equal(index.find({ shard: '7' }), undefined, 'a prefix of a path is no set');
    assert.equal(
      index.find({ shard: '7', instance: 'host-1', x: '1' }),
      undefined,
      'a longer path is no set',
    );
    index.remove(a);
    assert.equal(index.find({ instance: 'host-1', shard: '7' }), undefined);
    assert.equal(
      index.find({ shard: '7', instance: 'host-1' }),
      undefined,
      'the sender order is forgotten too',
    );
    const again = set({ shard: '7', instance: 'host-1' });
    index.add(again);
    assert.equal(index.find({ shard: '7', instance: 'host-1' }), again);
    assert.equal(index.find({ instance: 'host-1', shard: '7' }), again);
  });

  it('reads own labels only, even when an inherited property is enumerable', () => {
    const index = new LabelSetIndex<{ labels: Labels }>();
    const both = set({ instance: 'host-1', shard: '7' });
    const one = set({ instance: 'host-1' });
    index.add(both);
    index.add(one);
    const labels = Object.assign(Object.create({ shard: '7' }) as Record<string, string>, {
      instance: 'host-1',
    });
    assert.equal(index.find(labels), one);
    assert.equal(index.find(labels), one, 'again, after the order was remembered');
  });

  it('answers no set for values that are not strings', () => {
    const index = new LabelSetIndex<{ labels: Labels }>();
    index.add(set({ shard: '7' }));
    assert.equal(index.find({ shard: 7 } as unknown as Labels), undefined);
  });
});
