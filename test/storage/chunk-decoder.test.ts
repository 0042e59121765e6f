import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { legacyDecodeChunk } from '../../bench/legacy-chunk-decoder.js';
import { chunkCount, decodeChunk, decodeChunkInto } from '../../src/storage/codec/chunk-decoder.js';
import { ChunkEncoder } from '../../src/storage/codec/chunk-encoder.js';

/** A staleness marker's bits (Prometheus' StaleNaN, 0x7ff0000000000002): a NaN like any other here. */
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0]!;

const value = fc.oneof(
  { weight: 4, arbitrary: fc.integer({ min: -1000, max: 1000 }) },
  { weight: 2, arbitrary: fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }) },
  { weight: 2, arbitrary: fc.integer({ min: -1_000_000, max: 1_000_000 }).map((n) => n / 1000) },
  { weight: 3, arbitrary: fc.double() },
  {
    weight: 1,
    arbitrary: fc.constantFrom(Number.NaN, STALE_NAN, Infinity, -Infinity, 0, -0, Number.MIN_VALUE),
  },
);
// Deltas of every timestamp bucket, negative ones included (the codec allows them; the head never writes them).
const delta = fc.oneof(
  fc.constant(15_000),
  fc.integer({ min: -64, max: 64 }),
  fc.integer({ min: -10_000, max: 10_000 }),
  fc.integer({ min: -600_000, max: 600_000 }),
  fc.integer({ min: -(2 ** 40), max: 2 ** 40 }),
);
const chunk = fc
  .record({
    start: fc.integer({ min: -(2 ** 44), max: 2 ** 44 }),
    samples: fc.array(fc.tuple(delta, value), { minLength: 1, maxLength: 300 }),
    xor: fc.boolean(),
  })
  .map(({ start, samples, xor }) => {
    let t = start;
    const ts = samples.map(([d]) => (t += d));
    const vs = samples.map(([, v]) => v);
    const enc = xor ? new ChunkEncoder(0, 0) : ChunkEncoder.forValues(vs);
    ts.forEach((time, i) => {
      enc.append(time, vs[i]!);
    });
    return { ts, vs, bytes: enc.bytes() };
  });

/** Same float, NaN equal to NaN whatever its payload, 0 equal to -0 (the decimal mode stores no sign of zero). */
function sameValue(a: number, b: number): boolean {
  return (Number.isNaN(a) && Number.isNaN(b)) || a === b;
}

describe('chunk decoder (word-at-a-time bit reader)', () => {
  it('decodes what the encoder wrote, as the bit-by-bit decoder did', () => {
    fc.assert(
      fc.property(chunk, ({ ts, vs, bytes }) => {
        const out = decodeChunk(bytes);
        assert.deepEqual(Array.from(out.t), ts);
        assert.equal(out.v.length, vs.length);
        vs.forEach((v, i) => {
          assert.ok(sameValue(out.v[i]!, v), `value ${i}: ${out.v[i]} ≠ ${v}`);
        });
        const old = legacyDecodeChunk(bytes);
        assert.deepEqual(out.t, old.t);
        old.v.forEach((v, i) => {
          assert.ok(Object.is(out.v[i], v) || (Number.isNaN(v) && Number.isNaN(out.v[i])));
        });
      }),
      { numRuns: 500 },
    );
  });

  it('decodes into a slice of larger arrays and leaves the rest alone', () => {
    fc.assert(
      fc.property(chunk, fc.integer({ min: 0, max: 50 }), ({ ts, bytes }, at) => {
        const n = chunkCount(bytes);
        const t = new Float64Array(at + n + 3).fill(-7);
        const v = new Float64Array(at + n + 3).fill(-7);
        assert.equal(decodeChunkInto(bytes, t, v, at), n);
        assert.deepEqual(Array.from(t.subarray(at, at + n)), ts);
        for (const i of [...Array(at).keys(), at + n, at + n + 1, at + n + 2]) {
          assert.equal(t[i], -7);
          assert.equal(v[i], -7);
        }
        assert.throws(() => decodeChunkInto(bytes, t, v, t.length - n + 1), RangeError);
      }),
      { numRuns: 200 },
    );
  });

  it('rejects every truncated chunk with a RangeError', () => {
    fc.assert(
      fc.property(chunk, fc.nat(), ({ bytes }, cut) => {
        // Any strict prefix: the encoder trims to the last byte holding a used bit, so one is lost.
        const length = cut % bytes.length;
        assert.throws(() => decodeChunk(bytes.subarray(0, length)), RangeError);
      }),
      { numRuns: 300 },
    );
  });
});
