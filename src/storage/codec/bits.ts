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

export class BitReader {
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
