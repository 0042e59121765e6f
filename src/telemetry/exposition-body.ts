import { gzipSync } from 'node:zlib';
import type { Rendering } from './exposition.js';
import type { GzipMembers } from './gzip-members.js';

/** Text is written to the socket in pieces of about this many characters, never as one large string. */
const PIECE_CHARS = 64 * 1024;

/** The OpenMetrics end marker as a gzip member of its own, compressed once. */
const EOF_TEXT = '# EOF\n';
const EOF_MEMBER = gzipSync(EOF_TEXT);

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
 * The same text gzip-encoded, as a series of gzip members: the own metrics compressed for this scrape,
 * then the cached members of the families (the next one compressed while the current one is written).
 */
export async function* gzipBody(parts: BodyParts, gzip: GzipMembers): AsyncGenerator<Buffer> {
  yield await gzip.compress(parts.own);
  const members = gzip.members(parts.rendering);
  let next = members[0]?.();
  for (let i = 0; i < members.length; i++) {
    const current = next!;
    next = members[i + 1]?.();
    yield await current;
  }
  if (parts.openMetrics) yield EOF_MEMBER;
}
