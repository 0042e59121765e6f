import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ChunkEncoder, MODE_DECIMAL, MODE_XOR } from './chunk-encoder.js';
import { decodeChunk } from './chunk-decoder.js';

function roundTrip(ts: number[], vs: number[]): { bytes: Uint8Array; mode: number } {
  const enc = ChunkEncoder.forValues(vs);
  ts.forEach((t, i) => {
    enc.append(t, vs[i]!);
  });
  const bytes = enc.bytes();
  const out = decodeChunk(bytes);
  assert.deepEqual(Array.from(out.t), ts);
  assert.deepEqual(Array.from(out.v), vs);
  return { bytes, mode: enc.mode };
}

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('chunk codec', () => {
  it('round-trips regular counters in decimal mode at about one byte a sample', () => {
    const ts: number[] = [];
    const vs: number[] = [];
    let v = 0;
    const rnd = seeded(1);
    for (let i = 0; i < 240; i++) {
      ts.push(1_700_000_000_000 + i * 15_000);
      v += Math.floor(rnd() * 100);
      vs.push(v);
    }
    const { bytes, mode } = roundTrip(ts, vs);
    assert.equal(mode, MODE_DECIMAL);
    assert.ok(bytes.length / 240 < 1.6, `bytes per sample ${bytes.length / 240}`);
  });

  it('round-trips arbitrary floats, NaN, infinities and jittered timestamps in xor mode', () => {
    const rnd = seeded(7);
    const ts: number[] = [];
    const vs: number[] = [];
    let t = 1_600_000_000_123;
    for (let i = 0; i < 500; i++) {
      t += Math.floor(rnd() * 40_000) + (i % 50 === 0 ? 10_000_000 : 0);
      ts.push(t);
      vs.push(
        i % 97 === 0
          ? Number.NaN
          : i % 89 === 0
            ? Infinity
            : i % 83 === 0
              ? -Infinity
              : (rnd() - 0.5) * 1e9 * rnd(),
      );
    }
    const { mode } = roundTrip(ts, vs);
    assert.equal(mode, MODE_XOR);
  });

  it('round-trips extreme decimal deltas and negative values', () => {
    const vs = [0, 2 ** 49, -(2 ** 49), 1.5, -1.25, 0.000001, 123456.789, 0, 0, 7];
    const ts = vs.map((_, i) => i * 1000 + (i === 5 ? 2 ** 40 : 0) + (i > 5 ? 2 ** 40 : 0));
    roundTrip(ts, vs);
  });

  it('serialises an open chunk with a pending sample without changing the encoder', () => {
    const enc = ChunkEncoder.forValue(1);
    enc.append(1000, 1);
    enc.append(2000, 2);
    const withPending = decodeChunk(enc.bytesWith(3000, 3));
    assert.deepEqual(Array.from(withPending.v), [1, 2, 3]);
    enc.append(3000, 4);
    assert.deepEqual(Array.from(decodeChunk(enc.bytes()).v), [1, 2, 4]);
  });

  it('refuses values that do not fit the decimal mode so the caller can re-encode', () => {
    const enc = ChunkEncoder.forValue(1);
    assert.equal(enc.accepts(2), true);
    assert.equal(enc.accepts(0.5), false);
    assert.equal(enc.accepts(Math.PI), false);
  });

  it('rejects corrupt chunks with a RangeError', () => {
    assert.throws(() => decodeChunk(new Uint8Array([0xff, 0, 1])), RangeError);
    const enc = ChunkEncoder.forValue(1.5);
    for (let i = 0; i < 10; i++) enc.append(i * 1000, i * 1.5);
    const bytes = enc.bytes();
    assert.throws(() => decodeChunk(bytes.subarray(0, 5)), RangeError);
  });
});
