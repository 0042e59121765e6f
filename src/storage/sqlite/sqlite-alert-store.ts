import type Database from 'better-sqlite3';
import type {
  AlertFilter,
  AlertStore,
  OutboxItem,
  SettleOutcome,
  StoredAlert,
  StoredRule,
} from '../ports.js';
import { SqliteMeta } from './sqlite-meta.js';

const ALERT_COLUMNS = `id, rule_id AS ruleId, fingerprint, state, severity, started_at AS startedAt,
  resolved_at AS resolvedAt, updated_at AS updatedAt, data`;
const OUTBOX_COLUMNS = `id, idempotency_key AS idempotencyKey, alert_id AS alertId, channel, payload, status,
  attempts, next_attempt_at AS nextAttemptAt, created_at AS createdAt, expires_at AS expiresAt,
  delivered_at AS deliveredAt, last_error AS lastError`;

/** Alerting's tables in the embedded SQLite file (same connection as the metric store). */
export class SqliteAlertStore implements AlertStore {
  private readonly stmts;
  private readonly meta;

  constructor(private readonly db: Database.Database) {
    this.meta = new SqliteMeta(db);
    this.stmts = {
      rules: db.prepare(
        'SELECT id, input, origin, created_at AS createdAt, updated_at AS updatedAt FROM alert_rules ORDER BY created_at, id',
      ),
      saveRule: db.prepare(
        `INSERT INTO alert_rules (id, input, origin, created_at, updated_at) VALUES (@id, @input, @origin, @createdAt, @updatedAt)
         ON CONFLICT (id) DO UPDATE SET input = excluded.input, origin = excluded.origin, updated_at = excluded.updated_at`,
      ),
      deleteRule: db.prepare('DELETE FROM alert_rules WHERE id = ?'),
      saveAlert: db.prepare(
        `INSERT OR REPLACE INTO alerts (id, rule_id, fingerprint, state, severity, started_at, resolved_at, updated_at, data)
         VALUES (@id, @ruleId, @fingerprint, @state, @severity, @startedAt, @resolvedAt, @updatedAt, @data)`,
      ),
      activeAlerts: db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE state != 'resolved'`),
      getAlert: db.prepare(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = ?`),
      deleteOldNotifications: db.prepare(
        'DELETE FROM notifications WHERE alert_id IN (SELECT id FROM alerts WHERE resolved_at < ?)',
      ),
      deleteOldAlerts: db.prepare('DELETE FROM alerts WHERE resolved_at < ?'),
      saveSilence: db.prepare('INSERT OR REPLACE INTO silences (id, ends_at, data) VALUES (?, ?, ?)'),
      deleteSilence: db.prepare('DELETE FROM silences WHERE id = ?'),
      silences: db.prepare('SELECT id, data FROM silences ORDER BY ends_at'),
      channels: db.prepare('SELECT name, data FROM alert_channels ORDER BY name'),
      saveChannel: db.prepare(
        'INSERT OR REPLACE INTO alert_channels (name, data, updated_at) VALUES (?, ?, ?)',
      ),
      deleteChannel: db.prepare('DELETE FROM alert_channels WHERE name = ?'),
      enqueue: db.prepare(
        `INSERT OR IGNORE INTO notifications (idempotency_key, alert_id, channel, payload, status, attempts,
           next_attempt_at, created_at, expires_at)
         VALUES (@idempotencyKey, @alertId, @channel, @payload, 'pending', 0, @nextAttemptAt, @createdAt, @expiresAt)`,
      ),
      due: db.prepare(
        `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE status = 'pending' AND next_attempt_at <= ?
         ORDER BY next_attempt_at, id LIMIT ?`,
      ),
      claimable: db.prepare(
        `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE status = 'pending' AND next_attempt_at <= @now
           AND (claimed_by IS NULL OR claim_until <= @now)
         ORDER BY next_attempt_at, id LIMIT @limit`,
      ),
      claim: db.prepare('UPDATE notifications SET claimed_by = ?, claim_until = ? WHERE id = ?'),
      nextDue: db.prepare(
        `SELECT MIN(CASE WHEN claimed_by IS NULL THEN next_attempt_at ELSE MAX(next_attempt_at, claim_until) END) AS at
         FROM notifications WHERE status = 'pending'`,
      ),
      delivered: db.prepare(
        `UPDATE notifications SET status = 'delivered', attempts = attempts + 1, delivered_at = ?, last_error = NULL,
           claimed_by = NULL, claim_until = NULL
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      failed: db.prepare(
        `UPDATE notifications SET status = ?, attempts = attempts + 1, last_error = ?, claimed_by = NULL, claim_until = NULL
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      retry: db.prepare(
        `UPDATE notifications SET attempts = attempts + 1, next_attempt_at = ?, last_error = ?, claimed_by = NULL,
           claim_until = NULL
         WHERE id = ? AND claimed_by = ? AND status = 'pending'`,
      ),
      insertRuleIfAbsent: db.prepare(
        `INSERT INTO alert_rules (id, input, origin, created_at, updated_at) VALUES (@id, @input, @origin, @createdAt, @updatedAt)
         ON CONFLICT (id) DO NOTHING`,
      ),
      ofAlert: db.prepare(`SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE alert_id = ? ORDER BY id`),
    };
  }

  getMeta(key: string): Promise<string | undefined> {
    return this.meta.get(key);
  }

  setMeta(key: string, value: string): Promise<void> {
    return this.meta.set(key, value);
  }

  seedRules(marker: string, value: string, rules: readonly StoredRule[]): Promise<boolean> {
    const seeded = this.db
      .transaction(() => {
        if (!this.meta.insertIfAbsent(marker, value)) return false;
        for (const rule of rules) this.stmts.insertRuleIfAbsent.run(rule);
        return true;
      })
      .immediate();
    return Promise.resolve(seeded);
  }

  loadRules(): Promise<StoredRule[]> {
    return Promise.resolve(this.stmts.rules.all() as StoredRule[]);
  }

  saveRule(rule: StoredRule): Promise<void> {
    this.stmts.saveRule.run(rule);
    return Promise.resolve();
  }

  deleteRule(id: string): Promise<void> {
    this.stmts.deleteRule.run(id);
    return Promise.resolve();
  }

  saveAlert(alert: StoredAlert): Promise<void> {
    this.stmts.saveAlert.run(alert);
    return Promise.resolve();
  }

  activeAlerts(): Promise<StoredAlert[]> {
    return Promise.resolve(this.stmts.activeAlerts.all() as StoredAlert[]);
  }

  listAlerts(filter: AlertFilter): Promise<StoredAlert[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    const within = (column: string, values: readonly string[] | undefined): void => {
      if (values === undefined || values.length === 0) return;
      where.push(`${column} IN (${values.map(() => '?').join(', ')})`);
      params.push(...values);
    };
    within('state', filter.states);
    within('severity', filter.severities);
    if (filter.ruleId !== undefined) {
      where.push('rule_id = ?');
      params.push(filter.ruleId);
    }
    if (filter.from !== undefined) {
      where.push('(resolved_at IS NULL OR resolved_at >= ?)');
      params.push(filter.from);
    }
    if (filter.to !== undefined) {
      where.push('started_at <= ?');
      params.push(filter.to);
    }
    const sql = `SELECT ${ALERT_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY started_at DESC, id LIMIT ?`;
    return Promise.resolve(this.db.prepare(sql).all(...params, filter.limit) as StoredAlert[]);
  }

  getAlert(id: string): Promise<StoredAlert | undefined> {
    return Promise.resolve(this.stmts.getAlert.get(id) as StoredAlert | undefined);
  }

  deleteAlertsBefore(cutoff: number): Promise<number> {
    let deleted = 0;
    this.db
      .transaction(() => {
        this.stmts.deleteOldNotifications.run(cutoff);
        deleted = this.stmts.deleteOldAlerts.run(cutoff).changes;
      })
      .immediate();
    return Promise.resolve(deleted);
  }

  saveSilence(id: string, endsAt: number, data: string): Promise<void> {
    this.stmts.saveSilence.run(id, endsAt, data);
    return Promise.resolve();
  }

  deleteSilence(id: string): Promise<boolean> {
    return Promise.resolve(this.stmts.deleteSilence.run(id).changes > 0);
  }

  loadSilences(): Promise<{ id: string; data: string }[]> {
    return Promise.resolve(this.stmts.silences.all() as { id: string; data: string }[]);
  }

  loadChannels(): Promise<{ name: string; data: string }[]> {
    return Promise.resolve(this.stmts.channels.all() as { name: string; data: string }[]);
  }

  saveChannel(name: string, data: string, at: number): Promise<void> {
    this.stmts.saveChannel.run(name, data, at);
    return Promise.resolve();
  }

  deleteChannel(name: string): Promise<boolean> {
    return Promise.resolve(this.stmts.deleteChannel.run(name).changes > 0);
  }

  enqueue(
    items: readonly Omit<OutboxItem, 'id' | 'status' | 'attempts' | 'deliveredAt' | 'lastError'>[],
  ): Promise<void> {
    this.db
      .transaction(() => {
        for (const item of items) this.stmts.enqueue.run(item);
      })
      .immediate();
    return Promise.resolve();
  }

  due(now: number, limit: number): Promise<OutboxItem[]> {
    return Promise.resolve(this.stmts.due.all(now, limit) as OutboxItem[]);
  }

  nextDue(): Promise<number | undefined> {
    const row = this.stmts.nextDue.get() as { at: number | null };
    return Promise.resolve(row.at ?? undefined);
  }

  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<OutboxItem[]> {
    // One process owns the file: an immediate transaction is the whole of the claim's isolation.
    const claimed = this.db
      .transaction(() => {
        const rows = this.stmts.claimable.all({ now, limit }) as OutboxItem[];
        for (const row of rows) this.stmts.claim.run(owner, now + leaseMs, row.id);
        return rows;
      })
      .immediate();
    return Promise.resolve(claimed);
  }

  settle(id: number, owner: string, outcome: SettleOutcome): Promise<boolean> {
    const { delivered, retry, failed } = this.stmts;
    const result =
      outcome.status === 'delivered'
        ? delivered.run(outcome.at, id, owner)
        : outcome.status === 'pending'
          ? retry.run(outcome.nextAttemptAt, outcome.error, id, owner)
          : failed.run(outcome.status, outcome.error, id, owner);
    return Promise.resolve(result.changes > 0);
  }

  notificationsOf(alertId: string): Promise<OutboxItem[]> {
    return Promise.resolve(this.stmts.ofAlert.all(alertId) as OutboxItem[]);
  }
}
