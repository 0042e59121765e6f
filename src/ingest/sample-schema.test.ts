import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { checkSample, firstSchemaError, isPlainSample } from './sample-schema.js';

/** Anything, or a value of the kind a field takes (sometimes just out of range). */
const field = <T>(typical: fc.Arbitrary<T>) => fc.oneof(typical, typical, fc.anything());
const text = (maxLength: number) => fc.string({ maxLength, unit: 'binary' });

/** Items as a batch could hold them: mostly sample-shaped, every field sometimes wrong or missing. */
const item = fc.oneof(
  fc.anything(),
  fc.record(
    {
      name: field(fc.oneof(text(8), text(210))),
      type: field(fc.constantFrom('counter', 'gauge', 'histogram', 'summary', 'Counter')),
      value: field(fc.oneof(fc.double(), fc.constantFrom('NaN', '+Inf', '-Inf', 'Infinity', '1', ''))),
      labels: field(
        fc.oneof(fc.dictionary(text(6), text(6)), fc.dictionary(text(6), fc.oneof(text(3), fc.integer()))),
      ),
      timestamp: field(fc.oneof(fc.double(), text(70))),
      help: field(text(5)),
      unit: field(fc.constantFrom('seconds', 'bad unit')),
      buckets: field(fc.array(fc.double(), { maxLength: 3 })),
      extra: fc.anything(),
    },
    { requiredKeys: [] },
  ),
);

describe('isPlainSample, the batch route’s fast check', () => {
  it('never accepts what the schema refuses, on any value or its JSON round trip', () => {
    fc.assert(
      fc.property(item, (value) => {
        if (isPlainSample(value)) assert.ok(checkSample.Check(value), JSON.stringify(value));
        const json = JSON.stringify(value) as string | undefined;
        if (json === undefined) return;
        const parsed: unknown = JSON.parse(json);
        if (isPlainSample(parsed)) assert.ok(checkSample.Check(parsed), json);
        // The errors the route answers are the schema's whatever the fast check said.
        assert.deepEqual(firstSchemaError(parsed) === undefined, checkSample.Check(parsed));
      }),
      { numRuns: 3000 },
    );
  });

  it('takes the common shapes itself (name, value, type, labels, timestamp)', () => {
    const plain = fc.record(
      {
        name: fc.string({ minLength: 1, maxLength: 200 }),
        type: fc.constantFrom('counter', 'gauge', 'histogram'),
        value: fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }),
          fc.constantFrom('NaN', '+Inf', '-Inf'),
        ),
        labels: fc.dictionary(fc.string(), fc.string()),
        timestamp: fc.oneof(fc.integer(), fc.string({ maxLength: 64 })),
      },
      { requiredKeys: ['name', 'value'] },
    );
    fc.assert(
      fc.property(plain, (value) => {
        const parsed: unknown = JSON.parse(JSON.stringify(value));
        assert.ok(checkSample.Check(parsed));
        assert.ok(isPlainSample(parsed), JSON.stringify(value));
      }),
      { numRuns: 1000 },
    );
  });

  it('leaves labels with an inherited enumerable property or a value that is not a string to the schema', () => {
    const inherited = Object.assign(Object.create({ zone: 'a' }) as Record<string, string>, { host: 'h' });
    assert.equal(isPlainSample({ name: 'x', value: 1, labels: inherited }), false);
    assert.equal(isPlainSample({ name: 'x', value: 1, labels: { host: 'h', n: 1 } }), false);
    assert.equal(isPlainSample({ name: 'x', value: 1, labels: { host: 'h' } }), true);
    assert.equal(isPlainSample({ name: 'x', value: 1, labels: {} }), true);
  });

  it('leaves help, unit, buckets and unknown keys to the schema', () => {
    for (const extra of [{ help: 'h' }, { unit: 'seconds' }, { buckets: [1] }, { other: 1 }]) {
      assert.equal(isPlainSample({ name: 'x', value: 1, ...extra }), false);
    }
    assert.equal(
      firstSchemaError({ name: 'x', value: 1, help: 'h', unit: 'seconds', buckets: [1] }),
      undefined,
    );
    assert.deepEqual(firstSchemaError({ name: 'x', value: 1, other: 1 }), {
      field: 'other',
      reason: 'Unexpected property',
    });
  });
});
