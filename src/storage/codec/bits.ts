/**
 * Bit-level writer and reader used by the chunk codec. Values are written most significant bit first,
 * at most 32 bits per call (JavaScript bit operators work on 32-bit integers).
 *
 * The writer gathers bits in a 32-bit accumulator and stores them four bytes at a time once it is full:
 * a call is a shift and an OR, plus one store of a word when the accumulator fills. The writer it replaces
 * looped byte by byte with a bounds check each, which was most of the cost of appending a sample.
 */
export class BitWriter {
  private buf: Uint8Array;
  /** Bytes of `buf` written (always a multiple of 4: whole accumulator words). */
  private byte = 0;
  /** Bits not yet stored, right-aligned; zero when `pending` is 0. */
  private acc = 0;
  /** Number of bits in `acc` (0 to 31). */
  private pending = 0;

  constructor(initialBytes = 32) {
    // Rounded up to whole words: `store` writes four bytes at a time, so a partial last word would go unused.
    this.buf = new Uint8Array((initialBytes + 3) & ~3);
  }

  /** Number of bits written so far. */
  get length(): number {
    return this.byte * 8 + this.pending;
  }

  writeBit(on: boolean): void {
    if (this.pending < 31) {
      this.acc = (this.acc << 1) | (on ? 1 : 0);
      this.pending++;
    } else {
      this.store((this.acc << 1) | (on ? 1 : 0));
    }
  }

  /** Writes the low `count` bits of `value` (0 ≤ count ≤ 32). */
  writeBits(value: number, count: number): void {
    const free = 32 - this.pending;
    if (count < free) {
      // count ≤ 31 here, so the mask is a plain shift (1 << 32 would be 1).
      this.acc = (this.acc << count) | (value & ((1 << count) - 1));
      this.pending += count;
      return;
    }
    // The accumulator fills: its bits and the top `free` bits of value make a word (free is 1 to 32;
    // at 32 the accumulator is empty and its zero shifted by 32, i.e. by 0, is still zero).
    const rest = count - free;
    this.store((this.acc << free) | ((value >>> rest) & (-1 >>> (32 - free))));
    this.acc = value & ((1 << rest) - 1);
    this.pending = rest;
  }

  /** Number of bytes written so far (the last one may be partly used). */
  get byteLength(): number {
    return this.byte + ((this.pending + 7) >>> 3);
  }

  /** A copy of the bytes written so far (the last byte may be partly used). */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.byteLength);
    this.copyTo(out, 0);
    return out;
  }

  /** Copies the bytes written so far into `out` at `offset` (room for `byteLength` bytes). */
  copyTo(out: Uint8Array, offset: number): void {
    out.set(this.buf.subarray(0, this.byte), offset);
    // The pending bits, left-aligned in a word, then as many of its bytes as they reach into.
    const word = this.pending === 0 ? 0 : this.acc << (32 - this.pending);
    const end = offset + this.byteLength;
    for (let i = offset + this.byte, shift = 24; i < end; i++, shift -= 8) out[i] = word >>> shift;
  }

  /** An independent writer at the same position: used to serialise an open chunk plus its pending sample. */
  clone(): BitWriter {
    const copy = new BitWriter(0);
    copy.buf = this.buf.slice();
    copy.byte = this.byte;
    copy.acc = this.acc;
    copy.pending = this.pending;
    return copy;
  }

  /** Stores a full accumulator word and empties the accumulator. */
  private store(word: number): void {
    let buf = this.buf;
    const at = this.byte;
    if (at + 4 > buf.length) {
      buf = new Uint8Array(Math.max(16, buf.length * 2));
      buf.set(this.buf);
      this.buf = buf;
    }
    buf[at] = word >>> 24;
    buf[at + 1] = word >>> 16;
    buf[at + 2] = word >>> 8;
    buf[at + 3] = word;
    this.byte = at + 4;
    this.acc = 0;
    this.pending = 0;
  }
}

/**
 * Reads the bit stream a word at a time: `peek32` loads the 32 bits at the current position from five
 * bytes (one shift and one OR, whatever the alignment), and `readBits` takes the top `count` of them. The
 * reader it replaces looped byte by byte with a bounds check each, which was most of a chunk's decode.
 * Bits past the end read as zeros; `overrun` tells the decoder it went past the end (a truncated chunk),
 * checked once per sample instead of on every read.
 */
export class BitReader {
  /** Bit position from the start of `buf`. */
  pos: number;
  private readonly end: number;

  constructor(
    private readonly buf: Uint8Array,
    startByte = 0,
  ) {
    this.pos = startByte * 8;
    this.end = buf.length * 8;
  }

  /** True once a read went past the last bit. */
  get overrun(): boolean {
    return this.pos > this.end;
  }

  /** The next 32 bits (zeros past the end), most significant first, without moving. */
  peek32(): number {
    const buf = this.buf;
    const b = this.pos >>> 3;
    const off = this.pos & 7;
    if (b + 4 < buf.length) {
      const w = (buf[b]! << 24) | (buf[b + 1]! << 16) | (buf[b + 2]! << 8) | buf[b + 3]!;
      return off === 0 ? w >>> 0 : ((w << off) | (buf[b + 4]! >>> (8 - off))) >>> 0;
    }
    return this.peekTail(b, off);
  }

  /** Moves on `count` bits (after a peek). */
  skip(count: number): void {
    this.pos += count;
  }

  readBit(): boolean {
    if (this.pos >= this.end) throw new RangeError('chunk truncated');
    const on = (this.buf[this.pos >>> 3]! & (0x80 >>> (this.pos & 7))) !== 0;
    this.pos++;
    return on;
  }

  /** Reads `count` bits (0 ≤ count ≤ 32) as an unsigned integer. */
  readBits(count: number): number {
    if (count === 0) return 0;
    if (this.pos + count > this.end) throw new RangeError('chunk truncated');
    const value = this.peek32() >>> (32 - count);
    this.pos += count;
    return value;
  }

  /** Like readBits, but past the end reads zeros and sets `overrun` instead of throwing (hot loops). */
  readBitsLax(count: number): number {
    if (count === 0) return 0;
    const value = this.peek32() >>> (32 - count);
    this.pos += count;
    return value;
  }

  /** The last few bytes of the buffer: the same as peek32 with zeros past the end. */
  private peekTail(b: number, off: number): number {
    const buf = this.buf;
    const n = buf.length;
    const w =
      ((b < n ? buf[b]! : 0) << 24) |
      ((b + 1 < n ? buf[b + 1]! : 0) << 16) |
      ((b + 2 < n ? buf[b + 2]! : 0) << 8) |
      (b + 3 < n ? buf[b + 3]! : 0);
    const next = b + 4 < n ? buf[b + 4]! : 0;
    return off === 0 ? w >>> 0 : ((w << off) | (next >>> (8 - off))) >>> 0;
  }
}

/**
 * Signed integers up to ±2^52 as zig-zag, split into a high (21 bit) and low (32 bit) part; after an
 * optional `prefix` of `prefixBits` (≤ 11) bits, written with the high part in one call.
 */
export function writeBigSigned(writer: BitWriter, value: number, prefix = 0, prefixBits = 0): void {
  const zig = value >= 0 ? value * 2 : -value * 2 - 1;
  const high = Math.floor(zig / 2 ** 32) & 0x1fffff;
  writer.writeBits((prefix << 21) | high, prefixBits + 21);
  writer.writeBits(zig % 2 ** 32, 32);
}

export function readBigSigned(reader: BitReader): number {
  const zig = reader.readBits(21) * 2 ** 32 + reader.readBits(32);
  return zig % 2 === 0 ? zig / 2 : -(zig + 1) / 2;
}
