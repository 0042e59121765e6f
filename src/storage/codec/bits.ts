/**
 * Bit-level writer and reader used by the chunk codec. Values are written most significant bit first,
 * at most 32 bits per call (JavaScript bit operators work on 32-bit integers).
 */
export class BitWriter {
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
  clone(): BitWriter {
    const copy = new BitWriter(0);
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

/** Signed integers up to ±2^52 as zig-zag, split into a high (21 bit) and low (32 bit) part. */
export function writeBigSigned(writer: BitWriter, value: number): void {
  const zig = value >= 0 ? value * 2 : -value * 2 - 1;
  writer.writeBits(Math.floor(zig / 2 ** 32), 21);
  writer.writeBits(zig % 2 ** 32, 32);
}

export function readBigSigned(reader: BitReader): number {
  const zig = reader.readBits(21) * 2 ** 32 + reader.readBits(32);
  return zig % 2 === 0 ? zig / 2 : -(zig + 1) / 2;
}
