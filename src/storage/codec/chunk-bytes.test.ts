import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CHUNK_MAX_SAMPLES, CHUNK_MAX_SPAN_MS, SeriesHead } from '../../tsdb/series-head.js';
import { BitWriter } from './bits.js';
import { ChunkEncoder, MODE_DECIMAL, MODE_XOR } from './chunk-encoder.js';
import { decodeChunk } from './chunk-decoder.js';

/*
 * The bit writer and the chunk encoder were rewritten for speed (whole fields into a 32-bit
 * accumulator, bucket prefixes written with their values, one scaling of a value per append). Chunks
 * are stored and replicated, so the new code must write exactly the bytes the old one did: these
 * properties compare it, on random input, with a verbatim copy of the old code below (renamed Ref*).
 */

// ---- Reference: the writer, encoder and helpers as they were before the rewrite (do not optimise). ----

/**
 * Bit-level writer and reader used by the chunk codec. Values are written most significant bit first,
 * at most 32 bits per call (JavaScript bit operators work on 32-bit integers).
 */
class RefBitWriter {
  private buf: Uint8Array;
  private byte = 0;
  private bit = 0; // bits already used in buf[byte]

  constructor(initialBytes = 32) {
    this.buf = new Uint8Array(initialBytes);
  }

  /** Number of bits written so far. */
  get length(): number {
    return this.byte * 8 + this.bit;
  }

  writeBit(on: boolean): void {
    if (on) this.buf[this.byte]! |= 0x80 >>> this.bit;
    if (++this.bit === 8) this.nextByte();
  }

  /** Writes the low `count` bits of `value` (0 ≤ count ≤ 32). */
  writeBits(value: number, count: number): void {
    let remaining = count;
    while (remaining > 0) {
      const free = 8 - this.bit;
      const take = free < remaining ? free : remaining;
      const shift = remaining - take;
      const bits = (value >>> shift) & ((1 << take) - 1);
      this.buf[this.byte]! |= bits << (free - take);
      remaining -= take;
      this.bit += take;
      if (this.bit === 8) this.nextByte();
    }
  }

  /** A copy of the bytes written so far (the last byte may be partly used). */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.bit === 0 ? this.byte : this.byte + 1);
  }

  /** An independent writer at the same position: used to serialise an open chunk plus its pending sample. */
  clone(): RefBitWriter {
    const copy = new RefBitWriter(0);
    copy.buf = this.buf.slice();
    copy.byte = this.byte;
    copy.bit = this.bit;
    return copy;
  }

  private nextByte(): void {
    this.bit = 0;
    this.byte++;
    if (this.byte >= this.buf.length) {
      const grown = new Uint8Array(Math.max(16, this.buf.length * 2));
      grown.set(this.buf);
      this.buf = grown;
    }
  }
}

/** Signed integers up to ±2^52 as zig-zag, split into a high (21 bit) and low (32 bit) part. */
function refWriteBigSigned(writer: RefBitWriter, value: number): void {
  const zig = value >= 0 ? value * 2 : -value * 2 - 1;
  writer.writeBits(Math.floor(zig / 2 ** 32), 21);
  writer.writeBits(zig % 2 ** 32, 32);
}

const REF_MAX_SCALE = 6;
const REF_MAX_SCALED = 2 ** 50;
const REF_POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000] as const;

/** The smallest scale at which `value` is exactly representable, or -1. */
function refDecimalScale(value: number): number {
  for (let scale = 0; scale <= REF_MAX_SCALE; scale++) {
    if (refScaledInt(value, scale) !== undefined) return scale;
  }
  return -1;
}

function refScaledInt(value: number, scale: number): number | undefined {
  const factor = REF_POW10[scale]!;
  const scaled = Math.round(value * factor);
  if (Math.abs(scaled) > REF_MAX_SCALED || scaled / factor !== value) return undefined;
  return scaled;
}

class RefChunkEncoder {
  private readonly writer: RefBitWriter;
  count = 0;
  minT = 0;
  maxT = 0;
  private prevDelta = 0;
  // decimal mode state
  private prevInt = 0;
  // xor mode state
  private prevHi = 0;
  private prevLo = 0;
  private leading = -1;
  private trailing = 0;

  constructor(
    readonly mode: number,
    readonly scale: number,
    writer?: RefBitWriter,
  ) {
    this.writer = writer ?? new RefBitWriter();
  }

  /** An encoder whose mode fits `firstValue` (decimal where exact, XOR otherwise). */
  static forValue(firstValue: number): RefChunkEncoder {
    const scale = refDecimalScale(firstValue);
    return scale < 0 ? new RefChunkEncoder(MODE_XOR, 0) : new RefChunkEncoder(MODE_DECIMAL, scale);
  }

  /** An encoder whose mode fits every value of `values`. */
  static forValues(values: ArrayLike<number>): RefChunkEncoder {
    let scale = 0;
    for (let i = 0; i < values.length; i++) {
      const needed = refDecimalScale(values[i]!);
      if (needed < 0) return new RefChunkEncoder(MODE_XOR, 0);
      if (needed > scale) scale = needed;
    }
    // A value exact at a small scale may overflow at the chunk's larger one (2^49 next to 0.000001).
    for (let i = 0; i < values.length; i++) {
      if (refScaledInt(values[i]!, scale) === undefined) return new RefChunkEncoder(MODE_XOR, 0);
    }
    return new RefChunkEncoder(MODE_DECIMAL, Math.min(scale, REF_MAX_SCALE));
  }

  /** False when the value does not fit the decimal mode: the caller re-encodes the chunk. */
  accepts(value: number): boolean {
    return this.mode === MODE_XOR || refScaledInt(value, this.scale) !== undefined;
  }

  append(t: number, value: number): void {
    const w = this.writer;
    if (this.count === 0) {
      this.minT = t;
      refWriteBigSigned(w, t);
    } else {
      const delta = t - this.maxT;
      refWriteTimestampDod(w, delta - this.prevDelta);
      this.prevDelta = delta;
    }
    this.maxT = t;
    if (this.mode === MODE_DECIMAL) this.appendDecimal(value);
    else this.appendXor(value);
    this.count++;
  }

  /** Serialised chunk including an extra sample that is not appended to this encoder. */
  bytesWith(t: number, value: number): Uint8Array {
    const copy = this.clone();
    copy.append(t, value);
    return copy.bytes();
  }

  bytes(): Uint8Array {
    const bits = this.writer.bytes();
    const header = [(1 << 4) | this.mode, this.scale];
    let n = this.count;
    do {
      let byte = n & 0x7f;
      n = Math.floor(n / 128);
      if (n > 0) byte |= 0x80;
      header.push(byte);
    } while (n > 0);
    const out = new Uint8Array(header.length + bits.length);
    out.set(header, 0);
    out.set(bits, header.length);
    return out;
  }

  private clone(): RefChunkEncoder {
    const copy = new RefChunkEncoder(this.mode, this.scale, this.writer.clone());
    copy.count = this.count;
    copy.minT = this.minT;
    copy.maxT = this.maxT;
    copy.prevDelta = this.prevDelta;
    copy.prevInt = this.prevInt;
    copy.prevHi = this.prevHi;
    copy.prevLo = this.prevLo;
    copy.leading = this.leading;
    copy.trailing = this.trailing;
    return copy;
  }

  private appendDecimal(value: number): void {
    const scaled = refScaledInt(value, this.scale)!;
    if (this.count === 0) refWriteBigSigned(this.writer, scaled);
    else refWriteValueDelta(this.writer, scaled - this.prevInt);
    this.prevInt = scaled;
  }

  private appendXor(value: number): void {
    const w = this.writer;
    const hi = refFloatHi(value);
    const lo = refLastFloatLo();
    if (this.count === 0) {
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
    } else {
      const xhi = (hi ^ this.prevHi) >>> 0;
      const xlo = (lo ^ this.prevLo) >>> 0;
      if (xhi === 0 && xlo === 0) {
        w.writeBit(false);
      } else {
        w.writeBit(true);
        let leading = refClz64(xhi, xlo);
        const trailing = refCtz64(xhi, xlo);
        if (leading > 31) leading = 31;
        if (this.leading >= 0 && leading >= this.leading && trailing >= this.trailing) {
          w.writeBit(false);
          refWriteMeaningful(w, xhi, xlo, this.trailing, 64 - this.leading - this.trailing);
        } else {
          const length = 64 - leading - trailing;
          w.writeBit(true);
          w.writeBits(leading, 5);
          w.writeBits(length & 63, 6); // 64 is stored as 0
          refWriteMeaningful(w, xhi, xlo, trailing, length);
          this.leading = leading;
          this.trailing = trailing;
        }
      }
    }
    this.prevHi = hi;
    this.prevLo = lo;
  }
}

function refWriteMeaningful(w: RefBitWriter, hi: number, lo: number, shift: number, length: number): void {
  let h = hi;
  let l = lo;
  if (shift >= 32) {
    l = hi >>> (shift - 32);
    h = 0;
  } else if (shift > 0) {
    l = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    h = hi >>> shift;
  }
  if (length > 32) {
    w.writeBits(h, length - 32);
    w.writeBits(l, 32);
  } else {
    w.writeBits(l, length);
  }
}

/** Timestamp delta-of-delta buckets: '0' | '10'+7 | '110'+14 | '1110'+20 | '1111'+53 (zig-zag). */
function refWriteTimestampDod(w: RefBitWriter, dod: number): void {
  if (dod === 0) {
    w.writeBit(false);
    return;
  }
  const zig = dod >= 0 ? dod * 2 : -dod * 2 - 1;
  if (zig < 1 << 7) {
    w.writeBits(0b10, 2);
    w.writeBits(zig, 7);
  } else if (zig < 1 << 14) {
    w.writeBits(0b110, 3);
    w.writeBits(zig, 14);
  } else if (zig < 1 << 20) {
    w.writeBits(0b1110, 4);
    w.writeBits(zig, 20);
  } else {
    w.writeBits(0b1111, 4);
    refWriteBigSigned(w, dod);
  }
}

/** Decimal value delta buckets: '0' | '10'+7 | '110'+12 | '1110'+20 | '11110'+32 | '11111'+53. */
function refWriteValueDelta(w: RefBitWriter, delta: number): void {
  if (delta === 0) {
    w.writeBit(false);
    return;
  }
  const zig = delta >= 0 ? delta * 2 : -delta * 2 - 1;
  if (zig < 1 << 7) {
    w.writeBits(0b10, 2);
    w.writeBits(zig, 7);
  } else if (zig < 1 << 12) {
    w.writeBits(0b110, 3);
    w.writeBits(zig, 12);
  } else if (zig < 1 << 20) {
    w.writeBits(0b1110, 4);
    w.writeBits(zig, 20);
  } else if (zig < 2 ** 32) {
    w.writeBits(0b11110, 5);
    w.writeBits(zig >>> 0, 32);
  } else {
    w.writeBits(0b11111, 5);
    refWriteBigSigned(w, delta);
  }
}

/** 64-bit float ↔ two 32-bit halves, through one shared buffer (no allocation per call). */
const refF64 = new Float64Array(1);
const refU32 = new Uint32Array(refF64.buffer);
const REF_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const REF_LO = REF_LITTLE_ENDIAN ? 0 : 1;
const REF_HI = REF_LITTLE_ENDIAN ? 1 : 0;

function refFloatHi(value: number): number {
  refF64[0] = value;
  return refU32[REF_HI]!;
}

/** Low half of the value last passed to floatHi (call floatHi first). */
function refLastFloatLo(): number {
  return refU32[REF_LO]!;
}

function refClz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

function refCtz64(hi: number, lo: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return 32 + 31 - Math.clz32(hi & -hi);
}

// ---- Random input ----

function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

type Rnd = () => number;

function pick<T>(rnd: Rnd, items: readonly T[]): T {
  return items[Math.floor(rnd() * items.length)]!;
}

/** A random integer in [lo, hi]. */
function between(rnd: Rnd, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** A magnitude in one of the zig-zag buckets (7, 12/14, 20, 32 bits and the widest), either sign. */
function bucketed(rnd: Rnd, allowZero: boolean): number {
  const ranges: [number, number][] = [
    [1, 63],
    [64, 2047],
    [2048, 8191],
    [8192, 2 ** 19 - 1],
    [2 ** 19, 2 ** 31 - 1],
    [2 ** 31, 2 ** 45],
  ];
  if (allowZero && rnd() < 0.2) return 0;
  const [lo, hi] = pick(rnd, ranges);
  const magnitude = between(rnd, lo, hi);
  return rnd() < 0.5 ? -magnitude : magnitude;
}

/** Timestamps whose delta-of-delta lands in every bucket, negative ones too (the encoder takes any). */
function timestamps(rnd: Rnd, n: number, ordered: boolean): number[] {
  let t = pick(rnd, [0, 1_780_000_000_000, -(2 ** 40), between(rnd, -(2 ** 50), 2 ** 50)]);
  let delta = 0;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    out.push(t);
    const kind = rnd();
    if (kind < 0.3) delta = delta + 0;
    else if (kind < 0.7) delta += between(rnd, -63, 63);
    else delta += bucketed(rnd, false);
    if (Math.abs(delta) > 2 ** 46) delta = between(rnd, 0, 1000);
    if (ordered) {
      if (delta < 0) delta = rnd() < 0.3 ? 0 : -delta; // equal timestamps replace the pending sample
      if (rnd() < 0.01) delta = CHUNK_MAX_SPAN_MS + between(rnd, 0, 10_000); // a span cut
    }
    t += delta;
  }
  return out;
}

/** A value that is not a short decimal, or one of the special floats. */
function oddValue(rnd: Rnd): number {
  return pick(rnd, [
    Number.NaN,
    Infinity,
    -Infinity,
    -0,
    Math.PI * between(rnd, -1000, 1000),
    (rnd() - 0.5) * 1e300,
    Number.MIN_VALUE,
    2 ** 60,
    rnd(),
  ]);
}

/**
 * Values: decimals at one scale (0 to 6) stepping through every delta bucket, some repeated, and
 * with probability `odd` a value that needs XOR (or a wider scale).
 */
function values(rnd: Rnd, n: number, odd: number): number[] {
  const scale = between(rnd, 0, 6);
  const factor = 10 ** scale;
  let scaled = between(rnd, -1000, 1000);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    if (rnd() < odd) {
      out.push(rnd() < 0.3 ? between(rnd, -99, 99) / pick(rnd, [10, 100, 1e6]) : oddValue(rnd));
      continue;
    }
    out.push(scaled / factor);
    const step = rnd() < 0.3 ? 0 : bucketed(rnd, true);
    scaled = Math.abs(scaled + step) < 2 ** 49 ? scaled + step : between(rnd, -1000, 1000);
  }
  return out;
}

// ---- Properties ----

describe('chunk bytes are those of the reference encoder', () => {
  it('BitWriter: the same bytes and length after any mix of writeBit and writeBits, clones included', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = seeded(seed);
      const fresh = new BitWriter(between(rnd, 0, 40));
      const ref = new RefBitWriter(32);
      const pairs: [BitWriter, RefBitWriter][] = [[fresh, ref]];
      const ops = between(rnd, 0, 300);
      for (let op = 0; op < ops; op++) {
        const [w, r] = pick(rnd, pairs);
        if (rnd() < 0.3) {
          const on = rnd() < 0.5;
          w.writeBit(on);
          r.writeBit(on);
        } else {
          // Bits above `count` must be ignored, as before.
          const value = (rnd() * 2 ** 32) | 0;
          const count = between(rnd, 0, 32);
          w.writeBits(value, count);
          r.writeBits(value, count);
        }
        if (rnd() < 0.05) pairs.push([w.clone(), r.clone()]);
        if (rnd() < 0.1) {
          assert.equal(w.length, r.length);
          assert.deepEqual(w.bytes(), r.bytes(), `seed ${String(seed)} op ${String(op)}`);
        }
      }
      for (const [w, r] of pairs) {
        assert.equal(w.length, r.length);
        assert.deepEqual(w.bytes(), r.bytes(), `seed ${String(seed)}`);
      }
    }
  });

  it('ChunkEncoder.forValues + append, and bytesWith, in decimal (every scale) and XOR mode', () => {
    let modes = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = seeded(seed);
      const n = between(rnd, 1, CHUNK_MAX_SAMPLES + 10);
      const ts = timestamps(rnd, n, false);
      const vs = values(rnd, n, pick(rnd, [0, 0, 0.02, 0.5]));
      const enc = ChunkEncoder.forValues(vs);
      const ref = RefChunkEncoder.forValues(vs);
      assert.equal(enc.mode, ref.mode);
      assert.equal(enc.scale, ref.scale);
      modes |= enc.mode === MODE_XOR ? 1 : 2 << enc.scale;
      for (let i = 0; i < n; i++) {
        if (rnd() < 0.05) assert.deepEqual(enc.bytesWith(ts[i]!, vs[i]!), ref.bytesWith(ts[i]!, vs[i]!));
        enc.append(ts[i]!, vs[i]!);
        ref.append(ts[i]!, vs[i]!);
      }
      assert.deepEqual(enc.bytes(), ref.bytes(), `seed ${String(seed)}`);
      assert.deepEqual([enc.count, enc.minT, enc.maxT], [ref.count, ref.minT, ref.maxT]);
    }
    assert.equal(modes, 0xff, 'XOR and every decimal scale were covered');
  });

  it('ChunkEncoder.tryAppend accepts exactly what accepts() did and writes the same bytes', () => {
    let refused = 0;
    for (let seed = 1; seed <= 400; seed++) {
      const rnd = seeded(seed);
      const n = between(rnd, 1, CHUNK_MAX_SAMPLES);
      const ts = timestamps(rnd, n, false);
      const vs = values(rnd, n, pick(rnd, [0, 0.01, 0.1]));
      const enc = ChunkEncoder.forValue(vs[0]!);
      const ref = RefChunkEncoder.forValue(vs[0]!);
      for (let i = 0; i < n; i++) {
        const accepted = ref.accepts(vs[i]!);
        assert.equal(enc.accepts(vs[i]!), accepted);
        assert.equal(enc.tryAppend(ts[i]!, vs[i]!), accepted);
        if (!accepted) {
          refused++;
          continue; // nothing written: the chunk goes on as if the value had not come
        }
        ref.append(ts[i]!, vs[i]!);
      }
      assert.deepEqual(enc.bytes(), ref.bytes(), `seed ${String(seed)}`);
    }
    assert.ok(refused > 50, `refusals covered: ${String(refused)}`);
  });

  it('SeriesHead: the same sealed and open chunks as the old head, across cuts and re-encodings', () => {
    let sealed = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = seeded(seed);
      const n = between(rnd, 1, 3 * CHUNK_MAX_SAMPLES + 50);
      const ts = timestamps(rnd, n, true);
      const vs = values(rnd, n, pick(rnd, [0, 0.005, 0.05]));
      const head = new SeriesHead(7);
      const ref = new RefHead();
      const record = new Float64Array(3);
      for (let i = 0; i < n; i++) {
        record[1] = ts[i]!;
        record[2] = vs[i]!;
        assert.equal(head.appendFrom(record, 1), ref.append(ts[i]!, vs[i]!));
        if (rnd() < 0.02 || i === n - 1) {
          const chunks = head.memoryChunks();
          assert.deepEqual(chunks, ref.chunks(7), `seed ${String(seed)} sample ${String(i)}`);
          sealed = Math.max(sealed, chunks.length - 1);
        }
      }
    }
    assert.ok(sealed >= 3, 'chunks were cut');
  });

  it('a count past 16,383 (three bytes of LEB128 in the header)', () => {
    const enc = ChunkEncoder.forValue(1);
    const ref = RefChunkEncoder.forValue(1);
    for (let i = 0; i < 20_000; i++) {
      enc.append(i * 1000, i % 7);
      ref.append(i * 1000, i % 7);
    }
    assert.deepEqual(enc.bytes(), ref.bytes());
  });

  it('reads back what it wrote (the decoder agrees with both)', () => {
    const rnd = seeded(99);
    const ts = timestamps(rnd, CHUNK_MAX_SAMPLES, false);
    const vs = values(rnd, CHUNK_MAX_SAMPLES, 0);
    const enc = ChunkEncoder.forValues(vs);
    assert.equal(enc.mode, MODE_DECIMAL);
    ts.forEach((t, i) => {
      enc.append(t, vs[i]!);
    });
    const out = decodeChunk(enc.bytes());
    assert.deepEqual(Array.from(out.t), ts);
    assert.deepEqual(Array.from(out.v), vs);
  });
});

/** The old SeriesHead's chunk logic (append, commitPending, openChunk, reencoded) on the reference encoder. */
class RefHead {
  private encoder: RefChunkEncoder | null = null;
  private pendingT = Number.NEGATIVE_INFINITY;
  private pendingV = 0;
  private readonly sealed: { minT: number; maxT: number; count: number; data: Uint8Array }[] = [];

  append(t: number, v: number): boolean {
    if (t < this.pendingT) return false;
    if (t > this.pendingT && this.pendingT !== Number.NEGATIVE_INFINITY) this.commitPending();
    this.pendingT = t;
    this.pendingV = v;
    return true;
  }

  chunks(
    seriesId: number,
  ): { seriesId: number; minT: number; maxT: number; count: number; data: Uint8Array }[] {
    const out = this.sealed.map((chunk) => ({ seriesId, ...chunk }));
    if (this.pendingT === Number.NEGATIVE_INFINITY) return out;
    const enc = this.encoder;
    if (enc === null || enc.count === 0) {
      const single = RefChunkEncoder.forValue(this.pendingV);
      single.append(this.pendingT, this.pendingV);
      out.push({ seriesId, minT: this.pendingT, maxT: this.pendingT, count: 1, data: single.bytes() });
    } else {
      const data = enc.accepts(this.pendingV)
        ? enc.bytesWith(this.pendingT, this.pendingV)
        : this.reencoded(enc).bytes();
      out.push({ seriesId, minT: enc.minT, maxT: this.pendingT, count: enc.count + 1, data });
    }
    return out;
  }

  private commitPending(): void {
    const t = this.pendingT;
    const v = this.pendingV;
    let enc = this.encoder;
    if (enc !== null && (enc.count >= CHUNK_MAX_SAMPLES || t - enc.minT >= CHUNK_MAX_SPAN_MS)) {
      this.sealed.push({ minT: enc.minT, maxT: enc.maxT, count: enc.count, data: enc.bytes() });
      enc = null;
    }
    if (enc === null) {
      enc = RefChunkEncoder.forValue(v);
      enc.append(t, v);
    } else if (enc.accepts(v)) {
      enc.append(t, v);
    } else {
      enc = this.reencoded(enc);
    }
    this.encoder = enc;
  }

  private reencoded(enc: RefChunkEncoder): RefChunkEncoder {
    const old = decodeChunk(enc.bytes());
    const vs = new Float64Array(old.v.length + 1);
    vs.set(old.v);
    vs[old.v.length] = this.pendingV;
    const fresh = RefChunkEncoder.forValues(vs);
    for (let i = 0; i < old.t.length; i++) fresh.append(old.t[i]!, old.v[i]!);
    fresh.append(this.pendingT, this.pendingV);
    return fresh;
  }
}
