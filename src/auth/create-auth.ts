import type { Logger } from 'pino';
import type { Config } from '../config/config.js';
import type { EventBus } from '../support/event-bus.js';
import { PeriodicTask } from '../support/periodic-task.js';
import type { AuthStore, SecondFactorStore } from '../storage/ports.js';
import { ApiTokens } from './api-tokens.js';
import { AuditLog } from './audit-log.js';
import { MemoryLoginAttempts, type LoginAttempts } from './login-attempts.js';
import type { AuthEvents } from './auth-events.js';
import { Authenticator } from './authenticator.js';
import { LOCKOUT_WINDOW_MS, LoginSessions } from './login-sessions.js';
import { SecondFactor } from './second-factor.js';
import { SessionTokens } from './session-token.js';
import { UserDirectory } from './user-directory.js';

export interface Auth {
  enabled: boolean;
  users: UserDirectory;
  sessions: LoginSessions;
  apiTokens: ApiTokens;
  authenticator: Authenticator;
  audit: AuditLog;
  secondFactor: SecondFactor;
  tasks: PeriodicTask[];
}

const JWT_SECRET_KEY = 'auth.jwt_secret';

/**
 * Security's parts on one store. The JWT key is JWT_SECRET, or one generated on the first start and kept
 * in the store (every replica on the same store then shares it); no key is ever written in the code.
 */
export async function createAuth(deps: {
  config: Readonly<Config>;
  store: AuthStore;
  secondFactorStore: SecondFactorStore;
  bus: EventBus<AuthEvents>;
  log: Logger;
  /** Failed-login counters (Redis-backed in the scaled-out mode); default: in process. */
  loginAttempts?: LoginAttempts;
}): Promise<Auth> {
  const { config, store, bus, log } = deps;
  // Replicas starting at once on one empty database each propose a key; the first one stored wins for all.
  const secret =
    config.jwtSecret ??
    (await store.getMeta(JWT_SECRET_KEY)) ??
    (await store.setMetaIfAbsent(JWT_SECRET_KEY, SessionTokens.randomSecret()));
  const tokens = new SessionTokens(secret, config.jwtTtlSeconds);
  const users = new UserDirectory(store, bus, log);
  const apiTokens = new ApiTokens(store, bus);
  const audit = new AuditLog(store);
  const secondFactor = new SecondFactor(
    deps.secondFactorStore,
    new Set(config.totpRequiredRoles),
    config.totpIssuer,
  );
  if (config.authEnabled) await users.bootstrap(config.adminPassword);
  else
    log.warn(
      'AUTH_ENABLED=false: every request acts as admin; run this way on a trusted private network only',
    );
  const pruneTask = new PeriodicTask(
    'audit-retention',
    3_600_000,
    async () => {
      await audit.prune(Date.now() - config.auditTtlSeconds * 1000);
      await store.deleteExpiredRefreshTokens(Date.now());
    },
    log,
  );
  return {
    enabled: config.authEnabled,
    users,
    sessions: new LoginSessions(
      store,
      users,
      tokens,
      { accessSeconds: config.jwtTtlSeconds, refreshSeconds: config.refreshTtlSeconds },
      deps.loginAttempts ?? new MemoryLoginAttempts(config.loginRateLimit, LOCKOUT_WINDOW_MS),
      secondFactor,
    ),
    apiTokens,
    authenticator: new Authenticator(tokens, users, apiTokens, config.adminToken),
    audit,
    secondFactor,
    tasks: [pruneTask],
  };
}
