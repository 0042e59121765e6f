/**
 * Snappy's block format, decompressed into a caller's buffer (ADR 0033): remote write bodies are one
 * block, and the receiver decompresses each into the same buffer instead of a new one per request.
 *
 * The rules are those of Go's snappy decoder, which Prometheus uses: every copy refers to bytes already
 * written (offset 1 or more, not before the start), nothing runs past the input, and the elements produce
 * exactly the announced length. snappyjs (the oracle in snappy-block.test.ts) checks less: it pads a short
 * stream with zeros, drops what runs past the announced length, and reads a 4-byte literal length with its
 * top bit set as negative, which sends its cursor backwards (a 7-byte body kept it busy for minutes).
 */

/** Literals and copies at least this long are copied natively; shorter ones byte by byte (cheaper). */
const NATIVE_COPY = 16;

/**
 * Decompresses the block's elements, `input` from `from` (after the length header) to its end, into
 * `out[0, length)`. Undefined when they make exactly `length` bytes, else why the block is invalid
 * (nothing is written past `length`, whatever the input).
 */
export function decompressBlock(
  input: Uint8Array,
  from: number,
  out: Uint8Array,
  length: number,
): string | undefined {
  const end = input.length;
  let pos = from;
  let at = 0;
  while (pos < end) {
    const tag = input[pos++]!;
    if ((tag & 3) === 0) {
      let size = (tag >>> 2) + 1;
      if (size > 60) {
        // 61..64: the length minus one follows in 1..4 little-endian bytes.
        const bytes = size - 60;
        if (end - pos < bytes) return 'a literal’s length runs past the end';
        size = input[pos]!;
        if (bytes > 1) size |= input[pos + 1]! << 8;
        if (bytes > 2) size |= input[pos + 2]! << 16;
        if (bytes > 3) size = (size | (input[pos + 3]! << 24)) >>> 0;
        size += 1;
        pos += bytes;
      }
      if (size > end - pos) return 'a literal runs past the end';
      if (size > length - at) return 'the data is longer than its header says';
      if (size < NATIVE_COPY) for (let i = 0; i < size; i++) out[at + i] = input[pos + i]!;
      else out.set(input.subarray(pos, pos + size), at);
      pos += size;
      at += size;
      continue;
    }
    let size: number;
    let offset: number;
    if ((tag & 3) === 1) {
      if (end - pos < 1) return 'a copy runs past the end';
      size = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | input[pos]!;
      pos += 1;
    } else if ((tag & 3) === 2) {
      if (end - pos < 2) return 'a copy runs past the end';
      size = (tag >>> 2) + 1;
      offset = input[pos]! | (input[pos + 1]! << 8);
      pos += 2;
    } else {
      if (end - pos < 4) return 'a copy runs past the end';
      size = (tag >>> 2) + 1;
      offset =
        (input[pos]! | (input[pos + 1]! << 8) | (input[pos + 2]! << 16) | (input[pos + 3]! << 24)) >>> 0;
      pos += 4;
    }
    if (offset === 0 || offset > at) return 'a copy refers to bytes before the start';
    if (size > length - at) return 'the data is longer than its header says';
    const source = at - offset;
    // A copy longer than its offset repeats the bytes it is writing (a run): byte by byte, in order.
    if (size < NATIVE_COPY || offset < size) for (let i = 0; i < size; i++) out[at + i] = out[source + i]!;
    else out.copyWithin(at, source, source + size);
    at += size;
  }
  return at === length ? undefined : 'the data is shorter than its header says';
}
