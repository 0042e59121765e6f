import { constantSegment, GzipJoin, type DeflateSegments } from './deflate-segments.js';
import type { Rendering } from './exposition.js';

/** Text is written to the socket in pieces of about this many characters, never as one large string. */
const PIECE_CHARS = 64 * 1024;

/** The OpenMetrics end marker, and its segment compressed once. */
const EOF_TEXT = '# EOF\n';
const EOF_SEGMENT = constantSegment(EOF_TEXT);

export interface BodyParts {
  /** The service's own metrics, in the response's format. */
  own: string;
  rendering: Rendering;
  openMetrics: boolean;
}

/** The response text: own metrics, every family's pieces, `# EOF` in OpenMetrics; in ~64 KB pieces. */
export function* textBody({ own, rendering, openMetrics }: BodyParts): Generator<string> {
  let text = own;
  for (const family of rendering.families) {
    for (const piece of family.pieces) {
      text += piece;
      if (text.length >= PIECE_CHARS) {
        yield text;
        text = '';
      }
    }
  }
  if (openMetrics) text += EOF_TEXT;
  if (text.length > 0) yield text;
}

/**
 * The same text gzip-encoded as one gzip member: the own metrics compressed for this scrape, then the
 * cached segments of the families (the next one compressed while the current one is written).
 */
export async function* gzipBody(parts: BodyParts, deflate: DeflateSegments): AsyncGenerator<Buffer> {
  const gzip = new GzipJoin();
  yield gzip.header;
  yield gzip.add(await deflate.compress(parts.own));
  const segments = deflate.of(parts.rendering);
  let next = segments[0]?.();
  for (let i = 0; i < segments.length; i++) {
    const current = next!;
    next = segments[i + 1]?.();
    yield gzip.add(await current);
  }
  if (parts.openMetrics) yield gzip.add(EOF_SEGMENT);
  yield gzip.trailer();
}
