import { DomainError } from '../domain/errors.js';
import type { AuthStore, Role, StoredUser } from '../storage/ports.js';
import type { LoginAttempts } from './login-attempts.js';
import type { SecondFactor } from './second-factor.js';
import { issueToken, parseToken, secretMatches } from './opaque-token.js';
import type { SessionTokens } from './session-token.js';
import type { UserDirectory } from './user-directory.js';

export interface LoginResult {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds the access token is valid. */
  expiresIn: number;
  refreshToken: string;
  user: { name: string; role: Role };
  /** The role requires TOTP and this user has none yet: this session may only enrol (ADR 0025). */
  enrolmentRequired?: true;
}

export const LOCKOUT_WINDOW_MS = 15 * 60_000;

/**
 * Login and refresh. A login gives a short-lived JWT and a refresh token; each refresh token works once
 * (it is replaced by a new one) and only while the user's token version is the one it was issued under.
 * Failed logins per user name are counted (LOGIN_RATE_LIMIT per 15 minutes), next to the per-address limit
 * of the route, so spreading guesses over many addresses does not help either. Each attempt is reserved
 * before the password is checked (login-attempts.ts), so parallel guesses cannot overrun the limit; the
 * counters are in Redis when REDIS_URL is set, shared by every replica. A user with TOTP on also sends
 * `code`; a wrong or missing code keeps the attempt counted like a wrong password.
 */
export class LoginSessions {
  constructor(
    private readonly store: AuthStore,
    private readonly users: UserDirectory,
    private readonly tokens: SessionTokens,
    private readonly ttl: { accessSeconds: number; refreshSeconds: number },
    private readonly attempts: LoginAttempts,
    private readonly secondFactor: SecondFactor,
  ) {}

  async login(name: string, password: string, code?: string): Promise<LoginResult> {
    const key = name.toLowerCase();
    const reservation = await this.attempts.reserve(key);
    if (!reservation.allowed)
      throw new DomainError(
        'rate_limited',
        429,
        `too many failed logins for ${name}; retry later`,
        undefined,
        { retryAfter: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)) },
      );
    const user = await this.users.authenticate(name, password);
    if (user === undefined) throw new DomainError('invalid_login', 401, 'wrong user name or password');
    if (await this.secondFactor.isEnabled(user.id)) {
      if (code === undefined || code.trim() === '')
        throw new DomainError(
          'totp_required',
          401,
          'this account has two-factor authentication: send the code of the authenticator app (or a recovery code) as "code"',
          'code',
        );
      if ((await this.secondFactor.verify(user.id, code)) === undefined)
        throw new DomainError(
          'invalid_totp',
          401,
          'the two-factor code is wrong, expired or used already',
          'code',
        );
    }
    await this.attempts.clear(key);
    return this.issue(user);
  }

  async refresh(refreshToken: string): Promise<LoginResult> {
    const parsed = parseToken('msr', refreshToken);
    const stored = parsed === undefined ? undefined : await this.store.takeRefreshToken(parsed.id);
    if (parsed === undefined || stored === undefined || !secretMatches(parsed.secret, stored.hash))
      throw new DomainError(
        'invalid_token',
        401,
        'the refresh token is unknown or was used already',
        'refreshToken',
      );
    const user = await this.users.get(stored.userId);
    if (stored.expiresAt < Date.now())
      throw new DomainError(
        'token_expired',
        401,
        'the refresh token has expired; log in again',
        'refreshToken',
      );
    if (user === undefined || user.tokenVersion !== stored.tokenVersion)
      throw new DomainError(
        'token_revoked',
        401,
        'the refresh token was revoked; log in again',
        'refreshToken',
      );
    return this.issue(user);
  }

  /** Forgets a refresh token (the access token it came with expires on its own within JWT_TTL). */
  async logout(refreshToken: string): Promise<void> {
    const parsed = parseToken('msr', refreshToken);
    if (parsed !== undefined) await this.store.takeRefreshToken(parsed.id);
  }

  /** A new session for a user whose earlier ones were just revoked (after enrolling TOTP). */
  reissue(user: StoredUser): Promise<LoginResult> {
    return this.issue(user);
  }

  private async issue(user: StoredUser): Promise<LoginResult> {
    // Checked at every login and refresh: a role that requires TOTP, without one, gets an enrol-only session.
    const enrolmentRequired =
      this.secondFactor.isRequiredFor(user.role) && !(await this.secondFactor.isEnabled(user.id));
    const access = await this.tokens.sign({
      userId: user.id,
      role: user.role,
      tokenVersion: user.tokenVersion,
      ...(enrolmentRequired ? { enrolmentRequired: true as const } : {}),
    });
    const refresh = issueToken('msr');
    const now = Date.now();
    await this.store.deleteExpiredRefreshTokens(now);
    await this.store.saveRefreshToken({
      id: refresh.id,
      userId: user.id,
      hash: refresh.hash,
      tokenVersion: user.tokenVersion,
      createdAt: now,
      expiresAt: now + this.ttl.refreshSeconds * 1000,
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: this.ttl.accessSeconds,
      refreshToken: refresh.token,
      user: { name: user.name, role: user.role },
      ...(enrolmentRequired ? { enrolmentRequired: true as const } : {}),
    };
  }
}
