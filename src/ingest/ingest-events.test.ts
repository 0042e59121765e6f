import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LabelSetView } from '../tsdb/read-port.js';
import { acceptedFamilyNames } from './ingest-events.js';
import type { AcceptedSample } from './ingest-service.js';

const family = (name: string) => ({ def: { name } });
const sample = (fam: { def: { name: string } }, index: number): AcceptedSample => ({
  index,
  t: 0,
  set: { family: fam } as unknown as LabelSetView,
});

describe('acceptedFamilyNames', () => {
  it('names each family of the accepted samples once, in runs or interleaved', () => {
    const a = family('a_total');
    const b = family('b');
    const accepted = [sample(a, 0), sample(a, 1), sample(b, 2), sample(a, 3), sample(b, 4)];
    assert.deepEqual([...acceptedFamilyNames(accepted)].sort(), ['a_total', 'b']);
    assert.equal(acceptedFamilyNames([]).size, 0);
  });
});
