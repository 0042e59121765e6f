import { BitWriter, writeBigSigned } from './bits.js';
import { MAX_SCALE, scaledInt, decimalScale } from './decimal.js';
import { clz64, ctz64, floatHi, lastFloatLo } from './float-bits.js';

/**
 * Compressed chunk of one series' samples, in the spirit of Prometheus' TSDB (Gorilla):
 * - timestamps: first value, then delta, then delta-of-delta in variable-size buckets
 *   (regular scrapes cost one bit a sample);
 * - values: either scaled decimal integers with zig-zag deltas (`decimal` mode), or the XOR of the
 *   float bits with the previous value (`xor` mode), for values that are not short decimals.
 *
 * Layout: [version<<4 | mode] [scale] [count as LEB128] [bit stream].
 */
export const CHUNK_VERSION = 1;
export const MODE_XOR = 0;
export const MODE_DECIMAL = 1;

export class ChunkEncoder {
  private readonly writer: BitWriter;
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
    writer?: BitWriter,
  ) {
    this.writer = writer ?? new BitWriter();
  }

  /**
   * An encoder whose mode fits `firstValue` (decimal where exact, XOR otherwise). `expectedBytes`: the
   * size its bit stream will likely reach (the series' previous chunk), so the buffer is not grown
   * four or five times on the way (each growth a typed array allocation and a copy).
   */
  static forValue(firstValue: number, expectedBytes?: number): ChunkEncoder {
    const scale = decimalScale(firstValue);
    const writer = new BitWriter(expectedBytes);
    return scale < 0 ? new ChunkEncoder(MODE_XOR, 0, writer) : new ChunkEncoder(MODE_DECIMAL, scale, writer);
  }

  /** An encoder whose mode fits every value of `values`. */
  static forValues(values: ArrayLike<number>): ChunkEncoder {
    let scale = 0;
    for (let i = 0; i < values.length; i++) {
      const needed = decimalScale(values[i]!);
      if (needed < 0) return new ChunkEncoder(MODE_XOR, 0);
      if (needed > scale) scale = needed;
    }
    // A value exact at a small scale may overflow at the chunk's larger one (2^49 next to 0.000001).
    for (let i = 0; i < values.length; i++) {
      if (scaledInt(values[i]!, scale) === undefined) return new ChunkEncoder(MODE_XOR, 0);
    }
    return new ChunkEncoder(MODE_DECIMAL, Math.min(scale, MAX_SCALE));
  }

  /** False when the value does not fit the decimal mode: the caller re-encodes the chunk. */
  accepts(value: number): boolean {
    return this.mode === MODE_XOR || scaledInt(value, this.scale) !== undefined;
  }

  append(t: number, value: number): void {
    this.appendTimestamp(t);
    if (this.mode === MODE_DECIMAL) this.appendScaled(scaledInt(value, this.scale)!);
    else this.appendXor(value);
    this.count++;
  }

  /**
   * `accepts(value)` then `append(t, value)` in one: false (nothing written) when the value does not fit
   * the decimal mode. The write path's form: the value is scaled once instead of once for each call.
   */
  tryAppend(t: number, value: number): boolean {
    if (this.mode === MODE_DECIMAL) {
      const scaled = scaledInt(value, this.scale);
      if (scaled === undefined) return false;
      this.appendTimestamp(t);
      this.appendScaled(scaled);
    } else {
      this.appendTimestamp(t);
      this.appendXor(value);
    }
    this.count++;
    return true;
  }

  /** Serialised chunk including an extra sample that is not appended to this encoder. */
  bytesWith(t: number, value: number): Uint8Array {
    const copy = this.clone();
    copy.append(t, value);
    return copy.bytes();
  }

  bytes(): Uint8Array {
    const w = this.writer;
    let headerLength = 3; // version and mode, scale, the count's first LEB128 byte
    for (let n = this.count; n >= 128; n = Math.floor(n / 128)) headerLength++;
    // One allocation: the bit stream is copied straight after the header.
    const out = new Uint8Array(headerLength + w.byteLength);
    out[0] = (CHUNK_VERSION << 4) | this.mode;
    out[1] = this.scale;
    let n = this.count;
    for (let i = 2; i < headerLength; i++) {
      out[i] = (n & 0x7f) | (i < headerLength - 1 ? 0x80 : 0);
      n = Math.floor(n / 128);
    }
    w.copyTo(out, headerLength);
    return out;
  }

  private clone(): ChunkEncoder {
    const copy = new ChunkEncoder(this.mode, this.scale, this.writer.clone());
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

  private appendTimestamp(t: number): void {
    if (this.count === 0) {
      this.minT = t;
      writeBigSigned(this.writer, t);
    } else {
      const delta = t - this.maxT;
      writeTimestampDod(this.writer, delta - this.prevDelta);
      this.prevDelta = delta;
    }
    this.maxT = t;
  }

  private appendScaled(scaled: number): void {
    if (this.count === 0) writeBigSigned(this.writer, scaled);
    else writeValueDelta(this.writer, scaled - this.prevInt);
    this.prevInt = scaled;
  }

  private appendXor(value: number): void {
    const w = this.writer;
    const hi = floatHi(value);
    const lo = lastFloatLo();
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
        let leading = clz64(xhi, xlo);
        const trailing = ctz64(xhi, xlo);
        if (leading > 31) leading = 31;
        if (this.leading >= 0 && leading >= this.leading && trailing >= this.trailing) {
          w.writeBit(false);
          writeMeaningful(w, xhi, xlo, this.trailing, 64 - this.leading - this.trailing);
        } else {
          const length = 64 - leading - trailing;
          w.writeBit(true);
          w.writeBits(leading, 5);
          w.writeBits(length & 63, 6); // 64 is stored as 0
          writeMeaningful(w, xhi, xlo, trailing, length);
          this.leading = leading;
          this.trailing = trailing;
        }
      }
    }
    this.prevHi = hi;
    this.prevLo = lo;
  }
}

function writeMeaningful(w: BitWriter, hi: number, lo: number, shift: number, length: number): void {
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

/*
 * The buckets below write each prefix and its value in one writeBits call, the prefix shifted onto the
 * value (the same bits as writing them one after the other), where the two fit in 32 bits.
 */

/** Timestamp delta-of-delta buckets: '0' | '10'+7 | '110'+14 | '1110'+20 | '1111'+53 (zig-zag). */
function writeTimestampDod(w: BitWriter, dod: number): void {
  if (dod === 0) {
    w.writeBit(false);
    return;
  }
  const zig = dod >= 0 ? dod * 2 : -dod * 2 - 1;
  if (zig < 1 << 7) {
    w.writeBits((0b10 << 7) | zig, 2 + 7);
  } else if (zig < 1 << 14) {
    w.writeBits((0b110 << 14) | zig, 3 + 14);
  } else if (zig < 1 << 20) {
    w.writeBits((0b1110 << 20) | zig, 4 + 20);
  } else {
    writeBigSigned(w, dod, 0b1111, 4);
  }
}

/** Decimal value delta buckets: '0' | '10'+7 | '110'+12 | '1110'+20 | '11110'+32 | '11111'+53. */
function writeValueDelta(w: BitWriter, delta: number): void {
  if (delta === 0) {
    w.writeBit(false);
    return;
  }
  const zig = delta >= 0 ? delta * 2 : -delta * 2 - 1;
  if (zig < 1 << 7) {
    w.writeBits((0b10 << 7) | zig, 2 + 7);
  } else if (zig < 1 << 12) {
    w.writeBits((0b110 << 12) | zig, 3 + 12);
  } else if (zig < 1 << 20) {
    w.writeBits((0b1110 << 20) | zig, 4 + 20);
  } else if (zig < 2 ** 32) {
    w.writeBits(0b11110, 5);
    w.writeBits(zig >>> 0, 32);
  } else {
    writeBigSigned(w, delta, 0b11111, 5);
  }
}
