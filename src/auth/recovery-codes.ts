import { createHash, randomInt } from 'node:crypto';

/** Ten codes of ten characters (about 50 bits each: guessing one is hopeless within the login limits). */
export const RECOVERY_CODE_COUNT = 10;
// Crockford-like alphabet without look-alikes (0/O, 1/I/L), so codes copied by hand still work.
const ALPHABET = '23456789abcdefghjkmnpqrstuvwxyz';
const HALF = 5;

/** New one-time recovery codes, shown once as `xxxxx-xxxxx`; only their hashes are kept. */
export function newRecoveryCodes(): string[] {
  const code = (): string =>
    Array.from({ length: HALF }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
  return Array.from({ length: RECOVERY_CODE_COUNT }, () => `${code()}-${code()}`);
}

/** Whether what a person typed is shaped like a recovery code (dash, spaces and case are forgiven). */
export function looksLikeRecoveryCode(typed: string): boolean {
  return normalized(typed).length === 2 * HALF;
}

/**
 * The stored form of a code: SHA-256 of its normalised text. A fast hash is enough for 50 random bits
 * (a slow one protects low-entropy passwords, which these are not).
 */
export function recoveryCodeHash(code: string): string {
  return createHash('sha256').update(normalized(code)).digest('hex');
}

function normalized(typed: string): string {
  return typed.toLowerCase().replace(/[\s-]/g, '');
}
