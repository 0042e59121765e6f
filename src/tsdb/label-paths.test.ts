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
});
