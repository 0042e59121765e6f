import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExpositionError, parseExposition } from '../../src/receivers/pushgateway/text-format.js';

const name = fc
  .stringMatching(/^[a-zA-Z_:][a-zA-Z0-9_:]{0,20}$/)
  .filter((n) => !/_(bucket|sum|count)$/.test(n));
const labelName = fc.stringMatching(/^[a-zA-Z_][a-zA-Z0-9_]{0,10}$/);
const labelValue = fc.string({ unit: 'binary', maxLength: 20 });
// -0 is written as 0 (the text format has no negative zero to keep), so the property leaves it out.
const value = fc.oneof(
  fc.double().map((v) => (Object.is(v, -0) ? 0 : v)),
  fc.integer().map(Number),
);

const escapeValue = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const escapeHelp = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const formatValue = (v: number) =>
  Number.isNaN(v) ? 'NaN' : v === Infinity ? '+Inf' : v === -Infinity ? '-Inf' : String(v);

describe('property: the text format parser', () => {
  it('reads back what a writer wrote: names, HELP, types, escaped label values, NaN and ±Inf', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            name,
            help: fc.string({ unit: 'binary', maxLength: 30 }),
            type: fc.constantFrom('counter', 'gauge', 'untyped'),
            samples: fc.array(
              fc.record({ labels: fc.dictionary(labelName, labelValue, { maxKeys: 4 }), value }),
              {
                minLength: 1,
                maxLength: 3,
              },
            ),
          }),
          { selector: (f) => f.name, maxLength: 5 },
        ),
        (families) => {
          const text = families
            .map((f) =>
              [
                `# HELP ${f.name} ${escapeHelp(f.help)}`,
                `# TYPE ${f.name} ${f.type}`,
                ...f.samples.map((s) => {
                  const labels = Object.entries(s.labels).map(([k, v]) => `${k}="${escapeValue(v)}"`);
                  return `${f.name}${labels.length > 0 ? `{${labels.join(',')}}` : ''} ${formatValue(s.value)}`;
                }),
              ].join('\n'),
            )
            .join('\n');
          const parsed = parseExposition(text);
          assert.equal(parsed.length, families.length);
          parsed.forEach((p, i) => {
            const f = families[i]!;
            assert.equal(p.name, f.name);
            assert.equal(p.help, f.help.replace(/\r$/, ''));
            assert.equal(p.type, f.type);
            assert.deepEqual(
              p.samples.map((s) => [s.labels, s.value]),
              f.samples.map((s) => [{ ...s.labels }, s.value]),
            );
          });
        },
      ),
      { numRuns: 500 },
    );
  });

  it('never throws anything but an ExpositionError on arbitrary input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
        try {
          parseExposition(text);
        } catch (error) {
          assert.ok(error instanceof ExpositionError, String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('groups a histogram’s suffixed series under its family', () => {
    const [family] = parseExposition(
      '# TYPE h histogram\nh_bucket{le="1"} 1\nh_bucket{le="+Inf"} 2\nh_sum 3\nh_count 2\n',
    );
    assert.equal(family?.samples.length, 4);
  });
});
