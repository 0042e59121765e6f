import { randomBytes } from 'node:crypto';
import { SignJWT, errors, jwtVerify } from 'jose';
import type { Role } from '../storage/ports.js';

const ISSUER = 'metrics-service';
const AUDIENCE = 'metrics-service:api';

export interface SessionClaims {
  userId: string;
  role: Role;
  /** The user's token version when issued: a later password or role change makes it stale. */
  tokenVersion: number;
  /** Expiry in ms. */
  expiresAt: number;
  /**
   * The user's role requires a second factor they have not enrolled yet: the token may only enrol one
   * (ADR 0025). Absent on every other token.
   */
  enrolmentRequired?: true;
}

/**
 * Short-lived login tokens: HS256 JWTs with issuer, audience, expiry and the user's token version. Only
 * HS256 is accepted on verification (no `alg: none`, no key confusion).
 */
export class SessionTokens {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  static randomSecret(): string {
    return randomBytes(48).toString('base64url');
  }

  async sign(claims: Omit<SessionClaims, 'expiresAt'>): Promise<{ token: string; expiresAt: number }> {
    const now = Math.floor(Date.now() / 1000);
    const exp = now + this.ttlSeconds;
    const token = await new SignJWT({
      role: claims.role,
      ver: claims.tokenVersion,
      ...(claims.enrolmentRequired === true ? { enr: true } : {}),
    })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(exp)
      .setJti(randomBytes(9).toString('base64url'))
      .sign(this.key);
    return { token, expiresAt: exp * 1000 };
  }

  /** The claims of a valid token, or the reason it is refused. */
  async verify(token: string): Promise<SessionClaims | { refused: 'expired' | 'invalid' }> {
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
        audience: AUDIENCE,
        requiredClaims: ['sub', 'exp', 'ver'],
      });
      const { sub, role, ver, exp, enr } = payload as {
        sub: string;
        role: unknown;
        ver: unknown;
        exp: number;
        enr?: unknown;
      };
      if (typeof ver !== 'number' || typeof role !== 'string') return { refused: 'invalid' };
      return {
        userId: sub,
        role: role as Role,
        tokenVersion: ver,
        expiresAt: exp * 1000,
        ...(enr === true ? { enrolmentRequired: true as const } : {}),
      };
    } catch (error) {
      return { refused: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
  }

  /** Whether a string is shaped like a JWT (three base64url parts), to pick the right check. */
  static looksLikeJwt(token: string): boolean {
    return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
  }
}
