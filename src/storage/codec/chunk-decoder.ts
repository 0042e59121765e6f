import { BitReader } from './bits.js';
import { CHUNK_VERSION, MODE_DECIMAL, MODE_XOR } from './chunk-encoder.js';
import { POW10 } from './decimal.js';
import { floatFromBits } from './float-bits.js';

export interface DecodedChunk {
  t: Float64Array;
  v: Float64Array;
}

export function chunkCount(bytes: Uint8Array): number {
  return readHeader(bytes).count;
}

/** Decodes a chunk written by ChunkEncoder.bytes(). Throws RangeError on a corrupt chunk. */
export function decodeChunk(bytes: Uint8Array): DecodedChunk {
  const count = readHeader(bytes).count;
  const t = new Float64Array(count);
  const v = new Float64Array(count);
  decodeChunkInto(bytes, t, v, 0);
  return { t, v };
}

/**
 * Decodes a chunk straight into `t` and `v` from index `at` (they must have room for `chunkCount(bytes)`
 * more samples) and returns how many it wrote. What a range read uses: one pair of arrays per series,
 * no arrays per chunk to copy from. Throws RangeError on a corrupt chunk.
 */
export function decodeChunkInto(bytes: Uint8Array, t: Float64Array, v: Float64Array, at: number): number {
  const { mode, scale, count, offset } = readHeader(bytes);
  if (count === 0) return 0;
  if (at + count > t.length || at + count > v.length) throw new RangeError('no room for the chunk');
  const r = new BitReader(bytes, offset);
  const factor = POW10[scale] ?? 1;
  let prevT = readBigSignedLax(r);
  let prevDelta = 0;
  let prevInt = 0;
  let prevHi = 0;
  let prevLo = 0;
  let leading = 0;
  let trailing = 0;
  const decimal = mode === MODE_DECIMAL;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      prevDelta += readTimestampDod(r);
      prevT += prevDelta;
    }
    t[at + i] = prevT;
    if (decimal) {
      prevInt = i === 0 ? readBigSignedLax(r) : prevInt + readValueDelta(r);
      v[at + i] = prevInt / factor;
    } else {
      if (i === 0) {
        prevHi = r.readBitsLax(32);
        prevLo = r.readBitsLax(32);
      } else {
        // '0': same value; '10': meaningful bits in the previous window; '11': new window, then bits.
        const w = r.peek32();
        if (w >>> 31 === 1) {
          if (w >>> 30 === 3) {
            leading = (w >>> 25) & 31;
            const length = (w >>> 19) & 63 || 64;
            trailing = 64 - leading - length;
            r.skip(13);
          } else {
            r.skip(2);
          }
          const length = 64 - leading - trailing;
          let h = 0;
          let l: number;
          if (length > 32) {
            h = r.readBitsLax(length - 32);
            l = r.readBitsLax(32);
          } else {
            l = r.readBitsLax(length);
          }
          // shift the meaningful bits back into place
          if (trailing >= 32) {
            h = (l << (trailing - 32)) >>> 0;
            l = 0;
          } else if (trailing > 0) {
            h = ((h << trailing) | (l >>> (32 - trailing))) >>> 0;
            l = (l << trailing) >>> 0;
          }
          prevHi = (prevHi ^ h) >>> 0;
          prevLo = (prevLo ^ l) >>> 0;
        } else {
          r.skip(1);
        }
      }
      v[at + i] = floatFromBits(prevHi, prevLo);
    }
    if (r.overrun) throw new RangeError('chunk truncated');
  }
  return count;
}

function readHeader(bytes: Uint8Array): { mode: number; scale: number; count: number; offset: number } {
  if (bytes.length < 3) throw new RangeError('chunk too short');
  const version = bytes[0]! >> 4;
  const mode = bytes[0]! & 0x0f;
  if (version !== CHUNK_VERSION || (mode !== MODE_XOR && mode !== MODE_DECIMAL)) {
    throw new RangeError(`unknown chunk format ${bytes[0]!}`);
  }
  const scale = bytes[1]!;
  let count = 0;
  let multiplier = 1;
  let offset = 2;
  for (;;) {
    const byte = bytes[offset++];
    if (byte === undefined) throw new RangeError('chunk header truncated');
    count += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) break;
    multiplier *= 128;
  }
  return { mode, scale, count, offset };
}

// Timestamp buckets: prefix 0 (zero), 10 (7 bits), 110 (14), 1110 (20); 1111 is a full value.
// Value buckets: prefix 0 (zero), 10 (7 bits), 110 (12), 1110 (20), 11110 (32); 11111 is a full value.
// One function per kind with its widths as constants (not a shared function over a table of widths):
// V8 keeps these small enough to inline in the decoder's loop, and they were an eighth of a range query.

/**
 * A zig-zag timestamp delta-of-delta behind a prefix of ones, counted on one peeked word (the leading ones
 * of `w` are the leading zeros of `~w`).
 */
function readTimestampDod(r: BitReader): number {
  const w = r.peek32();
  if (w >>> 31 === 0) {
    r.skip(1);
    return 0;
  }
  const ones = Math.clz32(~w);
  if (ones >= 4) {
    r.skip(4);
    return readBigSignedLax(r);
  }
  const bits = ones === 1 ? 7 : ones === 2 ? 14 : 20;
  const zig = (w << (ones + 1)) >>> (32 - bits);
  r.skip(ones + 1 + bits);
  return unzig(zig);
}

/** A zig-zag value delta behind a prefix of ones (as readTimestampDod, with the value buckets). */
function readValueDelta(r: BitReader): number {
  const w = r.peek32();
  if (w >>> 31 === 0) {
    r.skip(1);
    return 0;
  }
  const ones = Math.clz32(~w);
  if (ones >= 5) {
    r.skip(5);
    return readBigSignedLax(r);
  }
  if (ones === 4) {
    r.skip(5);
    return unzig(r.readBitsLax(32));
  }
  const bits = ones === 1 ? 7 : ones === 2 ? 12 : 20;
  const zig = (w << (ones + 1)) >>> (32 - bits);
  r.skip(ones + 1 + bits);
  return unzig(zig);
}

/** A zig-zag encoded unsigned integer (below 2^32) back to its signed value. */
function unzig(zig: number): number {
  return (zig & 1) === 0 ? zig / 2 : -(zig + 1) / 2;
}

/** readBigSigned without the bounds check per read (the decoder checks `overrun` once per sample). */
function readBigSignedLax(r: BitReader): number {
  const zig = r.readBitsLax(21) * 2 ** 32 + r.readBitsLax(32);
  return zig % 2 === 0 ? zig / 2 : -(zig + 1) / 2;
}
