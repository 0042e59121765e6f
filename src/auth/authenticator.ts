import { DomainError } from '../domain/errors.js';
import type { ApiTokens } from './api-tokens.js';
import { parseToken, sameSecret, secretMatches } from './opaque-token.js';
import { ROLE_PERMISSIONS, permissionsOfScopes } from './permissions.js';
import type { Principal } from './principal.js';
import { SessionTokens } from './session-token.js';
import type { UserDirectory } from './user-directory.js';

const ADMIN_TOKEN_ID = 'ADMIN_TOKEN';

function refused(code: 'invalid_token' | 'token_expired' | 'token_revoked', why: string): DomainError {
  return new DomainError(code, 401, why);
}

/**
 * Turns a bearer credential into a Principal, or throws a 401 saying why: a login JWT (signature, expiry,
 * and the user's current token version), an API token (`mst_…`: hash, expiry, revocation), or ADMIN_TOKEN.
 * The same check serves HTTP requests and socket handshakes.
 */
export class Authenticator {
  constructor(
    private readonly sessions: SessionTokens,
    private readonly users: UserDirectory,
    private readonly apiTokens: ApiTokens,
    private readonly adminToken: string | undefined,
  ) {}

  /** The credential of an `Authorization: Bearer …` header, or undefined when there is none. */
  static bearerOf(header: string | undefined): string | undefined {
    if (header === undefined || header === '') return undefined;
    const match = /^Bearer[ ]+(\S+)\s*$/i.exec(header);
    if (match === null) throw refused('invalid_token', 'the Authorization header is not "Bearer <token>"');
    return match[1];
  }

  /**
   * For routes senders call with HTTP basic auth (remote write's `basic_auth`, curl -u): the password
   * is the token, the user name is ignored. A bearer header works there too.
   */
  static bearerOrBasicOf(header: string | undefined): string | undefined {
    const basic = header === undefined ? null : /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (basic === null) return Authenticator.bearerOf(header);
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (password === '') throw refused('invalid_token', 'basic auth needs the token as the password');
    return password;
  }

  async authenticate(credential: string): Promise<Principal> {
    if (this.adminToken !== undefined && sameSecret(credential, this.adminToken))
      return {
        kind: 'token',
        tokenId: ADMIN_TOKEN_ID,
        name: ADMIN_TOKEN_ID,
        scopes: ['admin'],
        expiresAt: null,
        permissions: permissionsOfScopes(['admin']),
      };
    if (credential.startsWith('mst_')) return this.apiToken(credential);
    if (SessionTokens.looksLikeJwt(credential)) return this.session(credential);
    throw refused('invalid_token', 'the token is neither a login token nor an API token');
  }

  private async session(credential: string): Promise<Principal> {
    const claims = await this.sessions.verify(credential);
    if ('refused' in claims)
      throw claims.refused === 'expired'
        ? refused('token_expired', 'the login token has expired; refresh it or log in again')
        : refused('invalid_token', 'the login token is not valid');
    const user = await this.users.get(claims.userId);
    if (user === undefined || user.tokenVersion !== claims.tokenVersion)
      throw refused('token_revoked', 'the login token was revoked (password or role changed); log in again');
    if (claims.enrolmentRequired === true)
      return {
        kind: 'user',
        userId: user.id,
        name: user.name,
        role: user.role,
        tokenVersion: user.tokenVersion,
        expiresAt: claims.expiresAt,
        permissions: new Set(),
        enrolmentRequired: true,
      };
    return {
      kind: 'user',
      userId: user.id,
      name: user.name,
      role: user.role,
      tokenVersion: user.tokenVersion,
      expiresAt: claims.expiresAt,
      permissions: new Set(ROLE_PERMISSIONS[user.role]),
    };
  }

  private async apiToken(credential: string): Promise<Principal> {
    const parsed = parseToken('mst', credential);
    if (parsed === undefined) throw refused('invalid_token', 'the API token is malformed');
    const token = await this.apiTokens.get(parsed.id);
    if (token === undefined || !secretMatches(parsed.secret, token.hash))
      throw refused('invalid_token', 'the API token is unknown');
    if (token.revokedAt !== null) throw refused('token_revoked', 'the API token was revoked');
    if (token.expiresAt !== null && token.expiresAt <= Date.now())
      throw refused('token_expired', 'the API token has expired');
    await this.apiTokens.used(token.id);
    return {
      kind: 'token',
      tokenId: token.id,
      name: token.name,
      scopes: token.scopes,
      expiresAt: token.expiresAt,
      permissions: permissionsOfScopes(token.scopes),
    };
  }
}
