import type { SecondFactorStore, StoredTotp } from '../ports.js';
import type { PgDatabase, Queryable } from './pg-database.js';

const TOTP_COLUMNS = `user_id AS "userId", secret, confirmed_at AS "confirmedAt", last_step AS "lastStep",
  created_at AS "createdAt"`;

/** TOTP secrets and recovery-code hashes on PostgreSQL: the SQLite adapter's two tables. */
export class PgSecondFactorStore implements SecondFactorStore {
  constructor(private readonly db: PgDatabase) {}

  async getTotp(userId: string): Promise<StoredTotp | undefined> {
    const [row] = await this.db.rows<StoredTotp>(`SELECT ${TOTP_COLUMNS} FROM user_totp WHERE user_id = $1`, [
      userId,
    ]);
    return row;
  }

  async beginTotp(userId: string, secret: string, at: number): Promise<boolean> {
    const result = await this.db.query(
      `INSERT INTO user_totp (user_id, secret, confirmed_at, last_step, created_at) VALUES ($1, $2, NULL, 0, $3)
       ON CONFLICT (user_id) DO UPDATE SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at,
         last_step = 0
       WHERE user_totp.confirmed_at IS NULL`,
      [userId, secret, at],
    );
    return (result.rowCount ?? 0) > 0;
  }

  confirmTotp(userId: string, step: number, at: number, recoveryHashes: readonly string[]): Promise<boolean> {
    return this.db.transaction(async (client) => {
      const result = await client.query(
        'UPDATE user_totp SET confirmed_at = $1, last_step = $2 WHERE user_id = $3 AND confirmed_at IS NULL',
        [at, step, userId],
      );
      if ((result.rowCount ?? 0) === 0) return false;
      await writeCodes(client, userId, recoveryHashes, at);
      return true;
    });
  }

  async useTotpStep(userId: string, step: number): Promise<boolean> {
    const result = await this.db.query(
      'UPDATE user_totp SET last_step = $1 WHERE user_id = $2 AND last_step < $1',
      [step, userId],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async deleteTotp(userId: string): Promise<void> {
    await this.db.transaction(async (client) => {
      await client.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [userId]);
      await client.query('DELETE FROM user_totp WHERE user_id = $1', [userId]);
    });
  }

  async replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<void> {
    await this.db.transaction((client) => writeCodes(client, userId, hashes, Date.now()));
  }

  async takeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    const result = await this.db.query(
      'DELETE FROM user_recovery_codes WHERE user_id = $1 AND code_hash = $2',
      [userId, hash],
    );
    return (result.rowCount ?? 0) > 0;
  }

  async countRecoveryCodes(userId: string): Promise<number> {
    const [row] = await this.db.rows<{ n: number }>(
      'SELECT count(*)::int AS n FROM user_recovery_codes WHERE user_id = $1',
      [userId],
    );
    return row?.n ?? 0;
  }
}

async function writeCodes(
  client: Queryable,
  userId: string,
  hashes: readonly string[],
  at: number,
): Promise<void> {
  await client.query('DELETE FROM user_recovery_codes WHERE user_id = $1', [userId]);
  if (hashes.length === 0) return;
  await client.query(
    `INSERT INTO user_recovery_codes (user_id, code_hash, created_at)
     SELECT $1, hash, $3 FROM unnest($2::text[]) AS hash ON CONFLICT DO NOTHING`,
    [userId, hashes, at],
  );
}
