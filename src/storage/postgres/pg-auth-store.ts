import type {
  AuditEntry,
  AuditFilter,
  AuthStore,
  StoredApiToken,
  StoredRefreshToken,
  StoredUser,
} from '../ports.js';
import type { PgDatabase } from './pg-database.js';
import { PgMeta } from './pg-meta.js';
import { BOOTSTRAP_LOCK_KEY } from './pg-migrations.js';

const USER_COLUMNS = `id, name, password_hash AS "passwordHash", role, token_version AS "tokenVersion",
  created_at AS "createdAt", updated_at AS "updatedAt"`;
const REFRESH_COLUMNS = `id, user_id AS "userId", hash, token_version AS "tokenVersion", created_at AS "createdAt",
  expires_at AS "expiresAt"`;
const TOKEN_COLUMNS = `id, name, hash, scopes, created_by AS "createdBy", created_at AS "createdAt",
  expires_at AS "expiresAt", last_used_at AS "lastUsedAt", revoked_at AS "revokedAt"`;
const INSERT_USER = `INSERT INTO users (id, name, password_hash, role, token_version, created_at, updated_at)`;

type TokenRow = Omit<StoredApiToken, 'scopes'> & { scopes: string };

function tokenOf(row: TokenRow): StoredApiToken {
  return { ...row, scopes: JSON.parse(row.scopes) as StoredApiToken['scopes'] };
}

function userParams(u: StoredUser): unknown[] {
  return [u.id, u.name, u.passwordHash, u.role, u.tokenVersion, u.createdAt, u.updatedAt];
}

/** Users, login and API tokens, and the audit log on PostgreSQL (same pool as the other stores). */
export class PgAuthStore implements AuthStore {
  private readonly meta;

  constructor(private readonly db: PgDatabase) {
    this.meta = new PgMeta(db);
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

  async countUsers(): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>('SELECT count(*) AS n FROM users');
    return row?.n ?? 0;
  }

  listUsers(): Promise<StoredUser[]> {
    return this.db.rows<StoredUser>(`SELECT ${USER_COLUMNS} FROM users ORDER BY name`);
  }

  async getUser(id: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.rows<StoredUser>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [id]);
    return row;
  }

  async getUserByName(name: string): Promise<StoredUser | undefined> {
    const [row] = await this.db.rows<StoredUser>(`SELECT ${USER_COLUMNS} FROM users WHERE name = $1`, [name]);
    return row;
  }

  async saveUser(user: StoredUser): Promise<void> {
    await this.db.query(
      `${INSERT_USER} VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, password_hash = excluded.password_hash,
         role = excluded.role, token_version = excluded.token_version, updated_at = excluded.updated_at`,
      userParams(user),
    );
  }

  createFirstUser(user: StoredUser): Promise<boolean> {
    // "No user yet" is not something a unique index can say: replicas bootstrapping at once take turns
    // on an advisory lock, so the second one sees the first one's user.
    return this.db.transaction(async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [BOOTSTRAP_LOCK_KEY]);
      const result = await client.query(
        `${INSERT_USER} SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS (SELECT 1 FROM users)`,
        userParams(user),
      );
      return (result.rowCount ?? 0) > 0;
    });
  }

  deleteUser(id: string): Promise<boolean> {
    return this.db.transaction(async (client) => {
      await client.query('DELETE FROM refresh_tokens WHERE user_id = $1', [id]);
      return ((await client.query('DELETE FROM users WHERE id = $1', [id])).rowCount ?? 0) > 0;
    });
  }

  async saveRefreshToken(t: StoredRefreshToken): Promise<void> {
    await this.db.query(
      `INSERT INTO refresh_tokens (id, user_id, hash, token_version, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [t.id, t.userId, t.hash, t.tokenVersion, t.createdAt, t.expiresAt],
    );
  }

  async takeRefreshToken(id: string): Promise<StoredRefreshToken | undefined> {
    // DELETE … RETURNING: of two concurrent refreshes with one token, exactly one gets the row.
    const [row] = await this.db.rows<StoredRefreshToken>(
      `DELETE FROM refresh_tokens WHERE id = $1 RETURNING ${REFRESH_COLUMNS}`,
      [id],
    );
    return row;
  }

  async deleteRefreshTokensOf(userId: string): Promise<void> {
    await this.db.query('DELETE FROM refresh_tokens WHERE user_id = $1', [userId]);
  }

  async deleteExpiredRefreshTokens(now: number): Promise<number> {
    return (await this.db.query('DELETE FROM refresh_tokens WHERE expires_at < $1', [now])).rowCount ?? 0;
  }

  async saveApiToken(t: StoredApiToken): Promise<void> {
    await this.db.query(
      `INSERT INTO api_tokens (id, name, hash, scopes, created_by, created_at, expires_at, last_used_at, revoked_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET name = excluded.name, hash = excluded.hash, scopes = excluded.scopes,
         created_by = excluded.created_by, created_at = excluded.created_at, expires_at = excluded.expires_at,
         last_used_at = excluded.last_used_at, revoked_at = excluded.revoked_at`,
      [
        t.id,
        t.name,
        t.hash,
        JSON.stringify(t.scopes),
        t.createdBy,
        t.createdAt,
        t.expiresAt,
        t.lastUsedAt,
        t.revokedAt,
      ],
    );
  }

  async getApiToken(id: string): Promise<StoredApiToken | undefined> {
    const [row] = await this.db.rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens WHERE id = $1`, [id]);
    return row === undefined ? undefined : tokenOf(row);
  }

  async listApiTokens(): Promise<StoredApiToken[]> {
    return (
      await this.db.rows<TokenRow>(`SELECT ${TOKEN_COLUMNS} FROM api_tokens ORDER BY created_at, id`)
    ).map(tokenOf);
  }

  async markApiTokenUsed(id: string, at: number): Promise<void> {
    await this.db.query('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async appendAudit(e: AuditEntry): Promise<void> {
    await this.db.query(
      `INSERT INTO audit_log (at, actor, action, target, status, ip, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [e.at, e.actor, e.action, e.target, e.status, e.ip, e.requestId],
    );
  }

  listAudit(filter: AuditFilter): Promise<(AuditEntry & { id: number })[]> {
    return this.db.rows<AuditEntry & { id: number }>(
      `SELECT id, at, actor, action, target, status, ip, request_id AS "requestId" FROM audit_log
       WHERE at >= $1 AND at <= $2 AND ($3::text IS NULL OR actor = $3)
         AND ($5::text IS NULL OR left(action, length($5)) = $5)
         AND ($6::text IS NULL OR position(' ' || $6 || ' ' in ' ' || target || ' ') > 0)
       ORDER BY id DESC LIMIT $4`,
      [
        filter.from ?? 0,
        filter.to ?? Number.MAX_SAFE_INTEGER,
        filter.actor ?? null,
        filter.limit,
        filter.actionPrefix ?? null,
        filter.targetPart ?? null,
      ],
    );
  }

  async deleteAuditBefore(cutoff: number): Promise<number> {
    return (await this.db.query('DELETE FROM audit_log WHERE at < $1', [cutoff])).rowCount ?? 0;
  }
}
