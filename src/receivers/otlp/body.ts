import { gunzip } from 'node:zlib';
import { DomainError } from '../../domain/errors.js';

/**
 * The request body as OTLP bytes: gunzipped when `Content-Encoding: gzip` (the encoding OTLP/HTTP
 * names), never past `maxBytes` once inflated: a gzip bomb is stopped by zlib at the limit (413), not
 * after it has filled the memory.
 */
export async function inflateBody(
  body: Buffer,
  contentEncoding: string | undefined,
  maxBytes: number,
): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity') return body;
  if (encoding !== 'gzip' && encoding !== 'x-gzip') {
    throw new DomainError(
      'unsupported_media_type',
      415,
      `Content-Encoding "${encoding.slice(0, 32)}" is not supported: send gzip or none`,
      'content-encoding',
    );
  }
  return new Promise((resolve, reject) => {
    gunzip(body, { maxOutputLength: maxBytes }, (error, inflated) => {
      if (error === null) {
        resolve(inflated);
        return;
      }
      const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
      reject(
        tooLarge
          ? new DomainError(
              'body_too_large',
              413,
              `the body inflates to more than ${maxBytes} bytes (OTLP_MAX_BODY_BYTES)`,
              'body',
            )
          : new DomainError(
              'invalid_otlp_body',
              400,
              `the gzip body cannot be inflated: ${error.message}`,
              'body',
            ),
      );
    });
  });
}
