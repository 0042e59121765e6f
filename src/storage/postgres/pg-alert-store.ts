import type {
  AlertFilter,
  AlertStore,
  OutboxItem,
  SettleOutcome,
  StoredAlert,
  StoredRule,
} from '../ports.js';
import type { PgDatabase } from './pg-database.js';
import { PgMeta } from './pg-meta.js';

const ALERT_COLUMNS = `id, rule_id AS "ruleId", fingerprint, state, severity, started_at AS "startedAt",
  resolved_at AS "resolvedAt", updated_at AS "updatedAt", data`;
const OUTBOX_COLUMNS = `id, idempotency_key AS "idempotencyKey", alert_id AS "alertId", channel, payload, status,
  attempts, next_attempt_at AS "nextAttemptAt", created_at AS "createdAt", expires_at AS "expiresAt",
  delivered_at AS "deliveredAt", last_error AS "lastError"`;
const RULE_COLUMNS = 'id, input, origin, created_at AS "createdAt", updated_at AS "updatedAt"';

// Rows nobody holds are locked and claimed in one statement; rows another replica is claiming right now
// are skipped, not waited for (SKIP LOCKED), and a claim committed meanwhile is re-checked by the lock.
const CLAIM_SQL = `
  UPDATE notifications n SET claimed_by = $3, claim_until = $4
  FROM (
    SELECT id FROM notifications
    WHERE status = 'pending' AND next_attempt_at <= $1 AND (claimed_by IS NULL OR claim_until <= $1)
    ORDER BY next_attempt_at, id LIMIT $2
    FOR UPDATE SKIP LOCKED) c
  WHERE n.id = c.id
  RETURNING ${OUTBOX_COLUMNS.replace(/(^|,\s*)(\w+)/g, '$1n.$2')}`;

// Every settle releases the claim and holds only for its owner on a row still pending.
const SETTLE_WHERE = "WHERE id = $1 AND claimed_by = $2 AND status = 'pending'";

/** Alerting's tables on PostgreSQL (same pool as the other stores). */
export class PgAlertStore implements AlertStore {
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

  seedRules(marker: string, value: string, rules: readonly StoredRule[]): Promise<boolean> {
    // A second replica's marker insert waits on the first one's uncommitted row, then does nothing: it
    // returns after the rules are committed and visible.
    return this.db.transaction(async (client) => {
      if (!(await PgMeta.insertIfAbsent(client, marker, value))) return false;
      await client.query(
        `INSERT INTO alert_rules (id, input, origin, created_at, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
         ON CONFLICT (id) DO NOTHING`,
        [
          rules.map((r) => r.id),
          rules.map((r) => r.input),
          rules.map((r) => r.origin),
          rules.map((r) => r.createdAt),
          rules.map((r) => r.updatedAt),
        ],
      );
      return true;
    });
  }

  loadRules(): Promise<StoredRule[]> {
    return this.db.rows<StoredRule>(`SELECT ${RULE_COLUMNS} FROM alert_rules ORDER BY created_at, id`);
  }

  async saveRule(rule: StoredRule): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_rules (id, input, origin, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (id) DO UPDATE SET input = excluded.input, origin = excluded.origin, updated_at = excluded.updated_at`,
      [rule.id, rule.input, rule.origin, rule.createdAt, rule.updatedAt],
    );
  }

  async deleteRule(id: string): Promise<void> {
    await this.db.query('DELETE FROM alert_rules WHERE id = $1', [id]);
  }

  async saveAlert(a: StoredAlert): Promise<void> {
    await this.db.query(
      `INSERT INTO alerts (id, rule_id, fingerprint, state, severity, started_at, resolved_at, updated_at, data)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (id) DO UPDATE SET rule_id = excluded.rule_id, fingerprint = excluded.fingerprint,
         state = excluded.state, severity = excluded.severity, started_at = excluded.started_at,
         resolved_at = excluded.resolved_at, updated_at = excluded.updated_at, data = excluded.data`,
      [a.id, a.ruleId, a.fingerprint, a.state, a.severity, a.startedAt, a.resolvedAt, a.updatedAt, a.data],
    );
  }

  activeAlerts(): Promise<StoredAlert[]> {
    return this.db.rows<StoredAlert>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE state <> 'resolved'`);
  }

  listAlerts(filter: AlertFilter): Promise<StoredAlert[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const param = (value: unknown): string => {
      params.push(value);
      return `$${String(params.length)}`;
    };
    if (filter.states !== undefined && filter.states.length > 0)
      where.push(`state = ANY(${param(filter.states)}::text[])`);
    if (filter.severities !== undefined && filter.severities.length > 0)
      where.push(`severity = ANY(${param(filter.severities)}::text[])`);
    if (filter.ruleId !== undefined) where.push(`rule_id = ${param(filter.ruleId)}`);
    if (filter.from !== undefined)
      where.push(`(resolved_at IS NULL OR resolved_at >= ${param(filter.from)})`);
    if (filter.to !== undefined) where.push(`started_at <= ${param(filter.to)}`);
    return this.db.rows<StoredAlert>(
      `SELECT ${ALERT_COLUMNS} FROM alerts ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY started_at DESC, id LIMIT ${param(filter.limit)}`,
      params,
    );
  }

  async getAlert(id: string): Promise<StoredAlert | undefined> {
    const [row] = await this.db.rows<StoredAlert>(`SELECT ${ALERT_COLUMNS} FROM alerts WHERE id = $1`, [id]);
    return row;
  }

  deleteAlertsBefore(cutoff: number): Promise<number> {
    return this.db.transaction(async (client) => {
      await client.query(
        'DELETE FROM notifications WHERE alert_id IN (SELECT id FROM alerts WHERE resolved_at < $1)',
        [cutoff],
      );
      return (await client.query('DELETE FROM alerts WHERE resolved_at < $1', [cutoff])).rowCount ?? 0;
    });
  }

  async saveSilence(id: string, endsAt: number, data: string): Promise<void> {
    await this.db.query(
      `INSERT INTO silences (id, ends_at, data) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO UPDATE SET ends_at = excluded.ends_at, data = excluded.data`,
      [id, endsAt, data],
    );
  }

  async deleteSilence(id: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM silences WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  loadSilences(): Promise<{ id: string; data: string }[]> {
    return this.db.rows('SELECT id, data FROM silences ORDER BY ends_at, id');
  }

  loadChannels(): Promise<{ name: string; data: string }[]> {
    return this.db.rows('SELECT name, data FROM alert_channels ORDER BY name');
  }

  async saveChannel(name: string, data: string, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO alert_channels (name, data, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO UPDATE SET data = excluded.data, updated_at = excluded.updated_at`,
      [name, data, at],
    );
  }

  async deleteChannel(name: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM alert_channels WHERE name = $1', [name])).rowCount ?? 0) > 0;
  }

  async enqueue(
    items: readonly Omit<OutboxItem, 'id' | 'status' | 'attempts' | 'deliveredAt' | 'lastError'>[],
  ): Promise<void> {
    if (items.length === 0) return;
    await this.db.query(
      `INSERT INTO notifications (idempotency_key, alert_id, channel, payload, status, attempts, next_attempt_at,
         created_at, expires_at)
       SELECT k, a, c, p, 'pending', 0, n, cr, e
       FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::bigint[])
         AS t(k, a, c, p, n, cr, e)
       ON CONFLICT (idempotency_key) DO NOTHING`,
      [
        items.map((i) => i.idempotencyKey),
        items.map((i) => i.alertId),
        items.map((i) => i.channel),
        items.map((i) => i.payload),
        items.map((i) => i.nextAttemptAt),
        items.map((i) => i.createdAt),
        items.map((i) => i.expiresAt),
      ],
    );
  }

  due(now: number, limit: number): Promise<OutboxItem[]> {
    return this.db.rows<OutboxItem>(
      `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE status = 'pending' AND next_attempt_at <= $1
       ORDER BY next_attempt_at, id LIMIT $2`,
      [now, limit],
    );
  }

  async claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<OutboxItem[]> {
    const rows = await this.db.rows<OutboxItem>(CLAIM_SQL, [now, limit, owner, now + leaseMs]);
    // RETURNING follows no ORDER BY: put them back in due order.
    return rows.sort((a, b) => a.nextAttemptAt - b.nextAttemptAt || a.id - b.id);
  }

  async nextDue(): Promise<number | undefined> {
    const [row] = await this.db.rows<{ at: number | null }>(
      `SELECT MIN(CASE WHEN claimed_by IS NULL THEN next_attempt_at ELSE GREATEST(next_attempt_at, claim_until) END)
         AS at FROM notifications WHERE status = 'pending'`,
    );
    return row?.at ?? undefined;
  }

  async settle(id: number, owner: string, outcome: SettleOutcome): Promise<boolean> {
    const release = 'claimed_by = NULL, claim_until = NULL, attempts = attempts + 1';
    const result =
      outcome.status === 'delivered'
        ? await this.db.query(
            `UPDATE notifications SET status = 'delivered', delivered_at = $3, last_error = NULL, ${release}
             ${SETTLE_WHERE}`,
            [id, owner, outcome.at],
          )
        : outcome.status === 'pending'
          ? await this.db.query(
              `UPDATE notifications SET next_attempt_at = $3, last_error = $4, ${release} ${SETTLE_WHERE}`,
              [id, owner, outcome.nextAttemptAt, outcome.error],
            )
          : await this.db.query(
              `UPDATE notifications SET status = $3, last_error = $4, ${release} ${SETTLE_WHERE}`,
              [id, owner, outcome.status, outcome.error],
            );
    return (result.rowCount ?? 0) > 0;
  }

  notificationsOf(alertId: string): Promise<OutboxItem[]> {
    return this.db.rows<OutboxItem>(
      `SELECT ${OUTBOX_COLUMNS} FROM notifications WHERE alert_id = $1 ORDER BY id`,
      [alertId],
    );
  }
}
