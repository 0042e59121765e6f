import type Database from 'better-sqlite3';
import type { SecondFactorStore, StoredTotp } from '../ports.js';

const TOTP_COLUMNS = `user_id AS userId, secret, confirmed_at AS confirmedAt, last_step AS lastStep,
  created_at AS createdAt`;

/** TOTP secrets and recovery-code hashes in the embedded SQLite file. */
export class SqliteSecondFactorStore implements SecondFactorStore {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      get: db.prepare(`SELECT ${TOTP_COLUMNS} FROM user_totp WHERE user_id = ?`),
      begin: db.prepare(
        `INSERT INTO user_totp (user_id, secret, confirmed_at, last_step, created_at) VALUES (?, ?, NULL, 0, ?)
         ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at,
           last_step = 0
         WHERE user_totp.confirmed_at IS NULL`,
      ),
      confirm: db.prepare(
        `UPDATE user_totp SET confirmed_at = ?, last_step = ? WHERE user_id = ? AND confirmed_at IS NULL`,
      ),
      useStep: db.prepare('UPDATE user_totp SET last_step = ? WHERE user_id = ? AND last_step < ?'),
      delete: db.prepare('DELETE FROM user_totp WHERE user_id = ?'),
      deleteCodes: db.prepare('DELETE FROM user_recovery_codes WHERE user_id = ?'),
      insertCode: db.prepare(
        'INSERT OR IGNORE INTO user_recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)',
      ),
      takeCode: db.prepare('DELETE FROM user_recovery_codes WHERE user_id = ? AND code_hash = ?'),
      countCodes: db.prepare('SELECT count(*) AS n FROM user_recovery_codes WHERE user_id = ?'),
    };
  }

  getTotp(userId: string): Promise<StoredTotp | undefined> {
    return Promise.resolve(this.stmts.get.get(userId) as StoredTotp | undefined);
  }

  beginTotp(userId: string, secret: string, at: number): Promise<boolean> {
    return Promise.resolve(this.stmts.begin.run(userId, secret, at).changes > 0);
  }

  confirmTotp(userId: string, step: number, at: number, recoveryHashes: readonly string[]): Promise<boolean> {
    const confirmed = this.db
      .transaction(() => {
        if (this.stmts.confirm.run(at, step, userId).changes === 0) return false;
        this.writeCodes(userId, recoveryHashes, at);
        return true;
      })
      .immediate();
    return Promise.resolve(confirmed);
  }

  useTotpStep(userId: string, step: number): Promise<boolean> {
    return Promise.resolve(this.stmts.useStep.run(step, userId, step).changes > 0);
  }

  deleteTotp(userId: string): Promise<void> {
    this.db.transaction(() => {
      this.stmts.deleteCodes.run(userId);
      this.stmts.delete.run(userId);
    })();
    return Promise.resolve();
  }

  replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<void> {
    this.db.transaction(() => {
      this.writeCodes(userId, hashes, Date.now());
    })();
    return Promise.resolve();
  }

  takeRecoveryCode(userId: string, hash: string): Promise<boolean> {
    return Promise.resolve(this.stmts.takeCode.run(userId, hash).changes > 0);
  }

  countRecoveryCodes(userId: string): Promise<number> {
    return Promise.resolve((this.stmts.countCodes.get(userId) as { n: number }).n);
  }

  private writeCodes(userId: string, hashes: readonly string[], at: number): void {
    this.stmts.deleteCodes.run(userId);
    for (const hash of hashes) this.stmts.insertCode.run(userId, hash, at);
  }
}
