import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSetView } from '../tsdb/read-port.js';
import { AcceptedSamples } from './accepted-samples.js';
import { acceptedFamilyNames } from './ingest-events.js';

const family = (name: string) => ({ def: { name } });
const setOf = (fam: { def: { name: string } }) => ({ family: fam }) as unknown as LabelSetView;

describe('acceptedFamilyNames', () => {
  it('names each family of the accepted samples once, in runs or interleaved', () => {
    const a = family('a_total');
    const b = family('b');
    const accepted = new AcceptedSamples(5);
    [a, a, b, a, b].forEach((fam, index) => {
      accepted.add(index, setOf(fam), 0);
    });
    assert.deepEqual([...acceptedFamilyNames(accepted)].sort(), ['a_total', 'b']);
    assert.equal(acceptedFamilyNames(new AcceptedSamples(3)).size, 0);
  });
});
