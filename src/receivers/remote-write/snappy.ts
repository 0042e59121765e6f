import { uncompress } from 'snappyjs';
import { MalformedRequest } from './codec.js';

/**
 * Snappy's block format (not the framed/stream format), what remote write specifies. The uncompressed
 * length the block announces is checked against `maxDecodedBytes` before anything is allocated, so a
 * small body cannot claim gigabytes.
 */
export function unsnappy(body: Uint8Array, maxDecodedBytes: number): Uint8Array {
  // The stream format starts with its identifier chunk: a common mistake (snappy -framed tools).
  if (body.length >= 10 && body[0] === 0xff && body[4] === 0x73 && body[5] === 0x4e) {
    throw new MalformedRequest(
      'invalid_snappy',
      'the body uses snappy framing (the stream format); remote write uses the block format',
    );
  }
  const announced = announcedLength(body);
  if (announced === undefined)
    throw new MalformedRequest('invalid_snappy', 'the body is not snappy block-compressed data');
  if (announced > maxDecodedBytes) {
    throw new DecodedTooLarge(
      `the body decompresses to ${String(announced)} bytes, over REMOTE_WRITE_MAX_DECODED_BYTES (${String(maxDecodedBytes)})`,
    );
  }
  try {
    return uncompress(body, maxDecodedBytes);
  } catch (error) {
    throw new MalformedRequest(
      'invalid_snappy',
      `the body is not valid snappy block data: ${(error as Error).message}`,
    );
  }
}

/** Thrown when the decompressed body would pass the limit; the route answers 413. */
export class DecodedTooLarge extends Error {}

/** The block's leading varint (at most 32 bits), or undefined when it does not parse. */
function announcedLength(body: Uint8Array): number | undefined {
  let result = 0;
  for (let i = 0, shift = 0; i < 5 && i < body.length; i++, shift += 7) {
    const byte = body[i]!;
    result += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return result;
  }
  return undefined;
}
