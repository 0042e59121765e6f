import type Database from 'better-sqlite3';
import type {
  AuditEntry,
  AuditFilter,
  AuthStore,
  StoredApiToken,
  StoredRefreshToken,
  StoredUser,
} from '../ports.js';
import { SqliteMeta } from './sqlite-meta.js';

const USER_COLUMNS = `id, name, password_hash AS passwordHash, role, token_version AS tokenVersion,
  created_at AS createdAt, updated_at AS updatedAt`;
const REFRESH_COLUMNS = `id, user_id AS userId, hash, token_version AS tokenVersion, created_at AS createdAt,
  expires_at AS expiresAt`;
const TOKEN_COLUMNS = `id, name, hash, scopes, created_by AS createdBy, created_at AS createdAt,
  expires_at AS expiresAt, last_used_at AS lastUsedAt, revoked_at AS revokedAt`;

type TokenRow = Omit<StoredApiToken, 'scopes'> & { scopes: string };

function tokenOf(row: TokenRow): StoredApiToken {
  return { ...row, scopes: JSON.parse(row.scopes) as StoredApiToken['scopes'] };
}

/** Users, login and API tokens, and the audit log in the embedded SQLite file. */
export class SqliteAuthStore implements AuthStore {
  private readonly stmts;
  private readonly meta;

  constructor(private readonly db: Database.Database) {
    this.meta = new SqliteMeta(db);
    this.stmts = {
      countUsers: db.prepare('SELECT count(*) AS n FROM users'),
      users: db.prepare(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`),
      user: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE id = ?`),
      userByName: db.prepare(`SELECT ${USER_COLUMNS} FROM users WHERE name = ?`),
      saveUser: db.prepare(
        `INSERT INTO users (id, name, password_hash, role, token_version, created_at, updated_at)
         VALUES (@id, @name, @passwordHash, @role, @tokenVersion, @createdAt, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash,
           role = excluded.role, token_version = excluded.token_version, updated_at = excluded.updated_at`,
      ),
      insertFirstUser: db.prepare(
        `INSERT INTO users (id, name, password_hash, role, token_version, created_at, updated_at)
         SELECT @id, @name, @passwordHash, @role, @tokenVersion, @createdAt, @updatedAt
         WHERE NOT EXISTS (SELECT 1 FROM users)`,
      ),
      deleteUser: db.prepare('DELETE FROM users WHERE id = ?'),
      saveRefresh: db.prepare(
        `INSERT INTO refresh_tokens (id, user_id, hash, token_version, created_at, expires_at)
         VALUES (@id, @userId, @hash, @tokenVersion, @createdAt, @expiresAt)`,
      ),
      getRefresh: db.prepare(`SELECT ${REFRESH_COLUMNS} FROM refresh_tokens WHERE id = ?`),
      deleteRefresh: db.prepare('DELETE FROM refresh_tokens WHERE id = ?'),
      deleteRefreshOf: db.prepare('DELETE FROM refresh_tokens WHERE user_id = ?'),
      deleteExpiredRefresh: db.prepare('DELETE FROM refresh_tokens WHERE expires_at < ?'),
      saveToken: db.prepare(
        `INSERT OR REPLACE INTO api_tokens (id, name, hash, scopes, created_by, created_at, expires_at, last_used_at, revoked_at)
         VALUES (@id, @name, @hash, @scopes, @createdBy, @createdAt, @expiresAt, @lastUsedAt, @revokedAt)`,
      ),
      token: db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = ?`),
      tokens: db.prepare(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`),
      touchToken: db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
      appendAudit: db.prepare(
        `INSERT INTO audit_log (at, actor, action, target, status, ip, request_id)
         VALUES (@at, @actor, @action, @target, @status, @ip, @requestId)`,
      ),
      audit: db.prepare(
        `SELECT id, at, actor, action, target, status, ip, request_id AS requestId FROM audit_log
         WHERE at >= @from AND at <= @to AND (@actor IS NULL OR actor = @actor)
           AND (@actionPrefix IS NULL OR substr(action, 1, length(@actionPrefix)) = @actionPrefix)
           AND (@targetPart IS NULL OR instr(' ' || target || ' ', ' ' || @targetPart || ' ') > 0)
         ORDER BY id DESC LIMIT @limit`,
      ),
      deleteAudit: db.prepare('DELETE FROM audit_log WHERE at < ?'),
    };
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.meta.set(key, value);
  }

  setMetaIfAbsent(key: string, value: string): Promise<string> {
    return this.meta.setIfAbsent(key, value);
  }

  createFirstUser(user: StoredUser): Promise<boolean> {
    const created = this.db.transaction(() => this.stmts.insertFirstUser.run(user).changes > 0).immediate();
    return Promise.resolve(created);
  }

  countUsers(): Promise<number> {
    return Promise.resolve((this.stmts.countUsers.get() as { n: number }).n);
  }

  listUsers(): Promise<StoredUser[]> {
    return Promise.resolve(this.stmts.users.all() as StoredUser[]);
  }

  getUser(id: string): Promise<StoredUser | undefined> {
    return Promise.resolve(this.stmts.user.get(id) as StoredUser | undefined);
  }

  getUserByName(name: string): Promise<StoredUser | undefined> {
    return Promise.resolve(this.stmts.userByName.get(name) as StoredUser | undefined);
  }

  saveUser(user: StoredUser): Promise<void> {
    this.stmts.saveUser.run(user);
    return Promise.resolve();
  }

  deleteUser(id: string): Promise<boolean> {
    const removed = this.db.transaction(() => {
      this.stmts.deleteRefreshOf.run(id);
      return this.stmts.deleteUser.run(id).changes > 0;
    })();
    return Promise.resolve(removed);
  }

  saveRefreshToken(token: StoredRefreshToken): Promise<void> {
    this.stmts.saveRefresh.run(token);
    return Promise.resolve();
  }

  takeRefreshToken(id: string): Promise<StoredRefreshToken | undefined> {
    const taken = this.db.transaction(() => {
      const row = this.stmts.getRefresh.get(id) as StoredRefreshToken | undefined;
      if (row !== undefined) this.stmts.deleteRefresh.run(id);
      return row;
    })();
    return Promise.resolve(taken);
  }

  deleteRefreshTokensOf(userId: string): Promise<void> {
    this.stmts.deleteRefreshOf.run(userId);
    return Promise.resolve();
  }

  deleteExpiredRefreshTokens(now: number): Promise<number> {
    return Promise.resolve(this.stmts.deleteExpiredRefresh.run(now).changes);
  }

  saveApiToken(token: StoredApiToken): Promise<void> {
    this.stmts.saveToken.run({ ...token, scopes: JSON.stringify(token.scopes) });
    return Promise.resolve();
  }

  getApiToken(id: string): Promise<StoredApiToken | undefined> {
    const row = this.stmts.token.get(id) as TokenRow | undefined;
    return Promise.resolve(row === undefined ? undefined : tokenOf(row));
  }

  listApiTokens(): Promise<StoredApiToken[]> {
    return Promise.resolve((this.stmts.tokens.all() as TokenRow[]).map(tokenOf));
  }

  markApiTokenUsed(id: string, at: number): Promise<void> {
    this.stmts.touchToken.run(at, id);
    return Promise.resolve();
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    this.stmts.appendAudit.run(entry);
    return Promise.resolve();
  }

  listAudit(filter: AuditFilter): Promise<(AuditEntry & { id: number })[]> {
    return Promise.resolve(
      this.stmts.audit.all({
        from: filter.from ?? 0,
        to: filter.to ?? Number.MAX_SAFE_INTEGER,
        actor: filter.actor ?? null,
        actionPrefix: filter.actionPrefix ?? null,
        targetPart: filter.targetPart ?? null,
        limit: filter.limit,
      }) as (AuditEntry & { id: number })[],
    );
  }

  deleteAuditBefore(cutoff: number): Promise<number> {
    return Promise.resolve(this.stmts.deleteAudit.run(cutoff).changes);
  }
}
