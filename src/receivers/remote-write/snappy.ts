import { MalformedRequest } from './codec.js';
import { decompressBlock } from './snappy-block.js';

/**
 * Snappy's block format (not the framed/stream format), what remote write specifies. The uncompressed
 * length the block announces is checked against `maxDecodedBytes` before anything is allocated, so a
 * small body cannot claim gigabytes. With `reuse`, the bytes are decompressed into its buffer: they are
 * valid until its next use (the receiver decodes them at once, and keeps nothing that points into them).
 */
export function unsnappy(body: Uint8Array, maxDecodedBytes: number, reuse?: ReusedBytes): Uint8Array {
  // The stream format starts with its identifier chunk: a common mistake (snappy -framed tools).
  if (body.length >= 10 && body[0] === 0xff && body[4] === 0x73 && body[5] === 0x4e) {
    throw new MalformedRequest(
      'invalid_snappy',
      'the body uses snappy framing (the stream format); remote write uses the block format',
    );
  }
  const header = blockHeader(body);
  if (header === undefined)
    throw new MalformedRequest('invalid_snappy', 'the body is not snappy block-compressed data');
  const { length, from } = header;
  if (length > maxDecodedBytes) {
    throw new DecodedTooLarge(
      `the body decompresses to ${String(length)} bytes, over REMOTE_WRITE_MAX_DECODED_BYTES (${String(maxDecodedBytes)})`,
    );
  }
  const out = reuse === undefined ? new Uint8Array(length) : reuse.atLeast(length);
  const invalid = decompressBlock(body, from, out, length);
  if (invalid !== undefined)
    throw new MalformedRequest('invalid_snappy', `the body is not valid snappy block data: ${invalid}`);
  return out.length === length ? out : out.subarray(0, length);
}

/** Thrown when the decompressed body would pass the limit; the route answers 413. */
export class DecodedTooLarge extends Error {}

/** Buffers kept at most this large: a larger body gets its own (a rare sender's size is not held on to). */
const KEPT_BYTES = 4 * 1024 * 1024;

/**
 * One buffer for the decompressed bodies of a receiver's requests, one after the other: a new ~90 KB
 * buffer per request (snappyjs') cost more in garbage collection, in the service, than decompressing it.
 */
export class ReusedBytes {
  private bytes = new Uint8Array(0);

  /** A buffer of `length` bytes or more (its contents undefined). */
  atLeast(length: number): Uint8Array {
    if (length <= this.bytes.length) return this.bytes;
    if (length > KEPT_BYTES) return new Uint8Array(length);
    this.bytes = new Uint8Array(Math.min(KEPT_BYTES, Math.max(length, 2 * this.bytes.length, 64 * 1024)));
    return this.bytes;
  }
}

/**
 * The block's leading varint (at most 32 bits: five bytes) and where its elements start, or undefined
 * when it does not parse.
 */
function blockHeader(body: Uint8Array): { length: number; from: number } | undefined {
  let length = 0;
  for (let i = 0, shift = 0; i < 5 && i < body.length; i++, shift += 7) {
    const byte = body[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return { length, from: i + 1 };
  }
  return undefined;
}
