import type { DecodedChunk } from '../src/storage/codec/chunk-decoder.js';
import { CHUNK_VERSION, MODE_DECIMAL, MODE_XOR } from '../src/storage/codec/chunk-encoder.js';
import { POW10 } from '../src/storage/codec/decimal.js';
import { floatFromBits } from '../src/storage/codec/float-bits.js';

// The chunk decoder as it was before the word-at-a-time BitReader (commit 31c992d), kept only as the
// baseline of bench/promql-decode.ts (before/after in the same run).
class LegacyBitReader {
  private byte: number;
  private bit = 0;

  constructor(
    private readonly buf: Uint8Array,
    startByte = 0,
  ) {
    this.byte = startByte;
  }

  readBit(): boolean {
    if (this.byte >= this.buf.length) throw new RangeError('chunk truncated');
    const on = (this.buf[this.byte]! & (0x80 >>> this.bit)) !== 0;
    if (++this.bit === 8) {
      this.bit = 0;
      this.byte++;
    }
    return on;
  }

  /** Reads `count` bits (0 ≤ count ≤ 32) as an unsigned integer. */
  readBits(count: number): number {
    let value = 0;
    let remaining = count;
    while (remaining > 0) {
      if (this.byte >= this.buf.length) throw new RangeError('chunk truncated');
      const available = 8 - this.bit;
      const take = available < remaining ? available : remaining;
      const bits = (this.buf[this.byte]! >>> (available - take)) & ((1 << take) - 1);
      value = value * (1 << take) + bits;
      remaining -= take;
      this.bit += take;
      if (this.bit === 8) {
        this.bit = 0;
        this.byte++;
      }
    }
    return value >>> 0;
  }
}

function readBigSigned(reader: LegacyBitReader): number {
  const zig = reader.readBits(21) * 2 ** 32 + reader.readBits(32);
  return zig % 2 === 0 ? zig / 2 : -(zig + 1) / 2;
}
/** Decodes a chunk written by ChunkEncoder.bytes(). Throws RangeError on a corrupt chunk. */
export function legacyDecodeChunk(bytes: Uint8Array): DecodedChunk {
  const { mode, scale, count, offset } = readHeader(bytes);
  const t = new Float64Array(count);
  const v = new Float64Array(count);
  if (count === 0) return { t, v };
  const r = new LegacyBitReader(bytes, offset);
  const factor = POW10[scale] ?? 1;
  let prevT = readBigSigned(r);
  let prevDelta = 0;
  let prevInt = 0;
  let prevHi = 0;
  let prevLo = 0;
  let leading = 0;
  let trailing = 0;
  for (let i = 0; i < count; i++) {
    if (i > 0) {
      prevDelta += readTimestampDod(r);
      prevT += prevDelta;
    }
    t[i] = prevT;
    if (mode === MODE_DECIMAL) {
      prevInt = i === 0 ? readBigSigned(r) : prevInt + readValueDelta(r);
      v[i] = prevInt / factor;
    } else {
      if (i === 0) {
        prevHi = r.readBits(32);
        prevLo = r.readBits(32);
      } else if (r.readBit()) {
        if (r.readBit()) {
          leading = r.readBits(5);
          const length = r.readBits(6) || 64;
          trailing = 64 - leading - length;
        }
        const length = 64 - leading - trailing;
        let h = 0;
        let l: number;
        if (length > 32) {
          h = r.readBits(length - 32);
          l = r.readBits(32);
        } else {
          l = r.readBits(length);
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
      }
      v[i] = floatFromBits(prevHi, prevLo);
    }
  }
  return { t, v };
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

/** Counts leading one bits (a bucket prefix), stopping at a zero or at `max` ones. */
function prefixOnes(r: LegacyBitReader, max: number): number {
  let ones = 0;
  while (ones < max && r.readBit()) ones++;
  return ones;
}

const TIMESTAMP_BUCKETS = [0, 7, 14, 20] as const; // prefix 0, 10, 110, 1110; 1111 is a full value
const VALUE_BUCKETS = [0, 7, 12, 20, 32] as const; // prefix 0, 10, 110, 1110, 11110; 11111 is a full value

function readTimestampDod(r: LegacyBitReader): number {
  return readBucketed(r, TIMESTAMP_BUCKETS);
}

function readValueDelta(r: LegacyBitReader): number {
  return readBucketed(r, VALUE_BUCKETS);
}

function readBucketed(r: LegacyBitReader, buckets: readonly number[]): number {
  const ones = prefixOnes(r, buckets.length);
  if (ones === 0) return 0;
  if (ones === buckets.length) return readBigSigned(r);
  const zig = r.readBits(buckets[ones]!);
  return zig % 2 === 0 ? zig / 2 : -(zig + 1) / 2;
}
