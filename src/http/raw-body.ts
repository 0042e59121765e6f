import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { DomainError } from '../domain/errors.js';

/**
 * A request body as bytes, refused with 413 (naming the setting) as soon as it passes `maxBytes`: from
 * Content-Length before reading, or while reading a chunked body. For the protocols whose bodies are not
 * JSON (remote write, the Pushgateway's text format).
 */
export function readRawBody(
  headers: IncomingHttpHeaders,
  payload: Readable,
  maxBytes: number,
  setting: string,
): Promise<Buffer> {
  const tooLarge = () =>
    new DomainError(
      'body_too_large',
      413,
      `the request body is larger than ${setting} (${String(maxBytes)} bytes)`,
    );
  const announced = Number(headers['content-length']);
  if (announced > maxBytes) return Promise.reject(tooLarge());
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        payload.removeAllListeners('data');
        reject(tooLarge());
        return;
      }
      chunks.push(chunk);
    });
    payload.on('end', () => {
      resolve(Buffer.concat(chunks, size));
    });
    payload.on('error', reject);
  });
}
