import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Opaque secrets handed out once: API tokens (`mst_<id>_<secret>`) and refresh tokens (`msr_<id>_<secret>`).
 * The id finds the row; only a SHA-256 of the secret is stored. A fast hash is right here: the secret has
 * 256 random bits, so nothing is gained by slowing a guess down, and every request checks one.
 */
export type TokenKind = 'mst' | 'msr';

export interface IssuedToken {
  id: string;
  /** The whole token, shown to its owner once. */
  token: string;
  hash: string;
}

export function issueToken(kind: TokenKind): IssuedToken {
  const id = randomBytes(9).toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  return { id, token: `${kind}_${id}_${secret}`, hash: hashSecret(secret) };
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** The id and secret of a token of this kind, or undefined when it is not one. */
export function parseToken(kind: TokenKind, token: string): { id: string; secret: string } | undefined {
  const match = new RegExp(`^${kind}_([A-Za-z0-9_-]{12})_([A-Za-z0-9_-]{43})$`).exec(token);
  return match === null ? undefined : { id: match[1]!, secret: match[2]! };
}

export function secretMatches(secret: string, hash: string): boolean {
  const actual = Buffer.from(hashSecret(secret));
  const expected = Buffer.from(hash);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Constant-time comparison of two strings of any length (ADMIN_TOKEN). */
export function sameSecret(given: string, expected: string): boolean {
  return secretMatches(given, hashSecret(expected));
}
