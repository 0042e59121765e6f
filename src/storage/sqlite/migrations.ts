import type Database from 'better-sqlite3';

/**
 * Ordered schema migrations of the embedded store. Append only: a released migration never changes.
 * Version 2 splits chunks in two. Sealed chunks never change: they append to a rowid table, so pages fill up.
 * The open chunk of each series is rewritten at every checkpoint: it lives in `head_chunks`, one row per
 * series, and a rewrite (INSERT OR REPLACE on series_id) gives the row a new, higher rowid. So each
 * checkpoint appends the heads it rewrites to fresh pages and empties the old ones whole, instead of
 * leaving holes: with both in one (series_id, min_t) table, every rewrite deleted a row in the middle of the
 * B-tree, and pages stayed about half full (4.2 bytes a sample on disk for 2.3 bytes of payload).
 * Version 3 adds the health checker: watched services, their state changes, and hourly roll-ups of checks
 * keyed by an integer service id (a name repeated in millions of roll-up rows would double their size).
 * Version 4 adds alerting: rules, alerts (filterable columns plus the rest as JSON), silences, and the
 * notification outbox every delivery goes through. Version 5 adds named notification channels.
 * Version 6 adds security: users (a token version each, bumped to revoke every earlier login), refresh
 * tokens and API tokens (hashes only), and the audit log.
 * Version 7 lets outbox rows be claimed (who, until when), so two outbox loops on one database never send
 * the same notification (the PostgreSQL schema has the same columns; see ADR 0012).
 * Version 8 adds the status pages (public status pages, their incidents, maintenance windows: issue 19,
 * ADR 0018): one self-contained table of JSON documents keyed by kind and id.
 * Version 9 adds people's TOTP second factor and its one-time recovery codes (hashes only; ADR 0025).
 * Version 10 (issue 16, ADR 0021) shares work between replicas: the ids of applied health flushes (a retried
 * flush adds its roll-up deltas once), each service's checker state (a replica taking a service over
 * continues it), and the Pushgateway's groups (a JSON document each, with its expiry time).
 * Version 11 (issues 19 and 20, ADR 0032) keeps the heartbeat bars (the last checks of each service, pruned
 * to a hundred as they are written) and each push monitor's last heartbeat, so both survive a restart and
 * every replica sees the same.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE families (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    help TEXT NOT NULL,
    unit TEXT NOT NULL,
    category TEXT NOT NULL,
    buckets TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    family TEXT NOT NULL,
    labels TEXT NOT NULL,
    role TEXT NOT NULL,
    le REAL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE wal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data BLOB NOT NULL
  );
  CREATE TABLE chunks (
    series_id INTEGER NOT NULL,
    min_t INTEGER NOT NULL,
    max_t INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, min_t)
  ) WITHOUT ROWID;
  CREATE INDEX chunks_max_t ON chunks (max_t);
  `,
  `
  CREATE TABLE head_chunks (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL UNIQUE,
    min_t INTEGER NOT NULL,
    max_t INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  INSERT INTO head_chunks (series_id, min_t, max_t, count, data)
    SELECT c.series_id, c.min_t, c.max_t, c.count, c.data FROM chunks c
    JOIN (SELECT series_id, MAX(min_t) AS min_t FROM chunks GROUP BY series_id) l
      ON c.series_id = l.series_id AND c.min_t = l.min_t;
  CREATE TABLE sealed_chunks (
    id INTEGER PRIMARY KEY,
    series_id INTEGER NOT NULL,
    min_t INTEGER NOT NULL,
    max_t INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL
  );
  INSERT INTO sealed_chunks (series_id, min_t, max_t, count, data)
    SELECT c.series_id, c.min_t, c.max_t, c.count, c.data FROM chunks c
    WHERE NOT EXISTS (SELECT 1 FROM head_chunks h WHERE h.series_id = c.series_id AND h.min_t = c.min_t)
    ORDER BY c.max_t;
  DROP TABLE chunks;
  ALTER TABLE sealed_chunks RENAME TO chunks;
  CREATE UNIQUE INDEX chunks_series_time ON chunks (series_id, min_t);
  CREATE INDEX chunks_max_t ON chunks (max_t);
  `,
  `
  CREATE TABLE health_services (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    input TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE health_events (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    previous TEXT NOT NULL,
    reason_code TEXT,
    reason TEXT
  );
  CREATE INDEX health_events_service_at ON health_events (service_id, at);
  CREATE TABLE health_rollups (
    service_id INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    checks INTEGER NOT NULL,
    up INTEGER NOT NULL,
    degraded INTEGER NOT NULL,
    duration_sum INTEGER NOT NULL,
    duration_max INTEGER NOT NULL,
    buckets BLOB NOT NULL,
    PRIMARY KEY (service_id, hour)
  ) WITHOUT ROWID;
  `,
  `
  CREATE TABLE alert_rules (
    id TEXT PRIMARY KEY,
    input TEXT NOT NULL,
    origin TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE alerts (
    id TEXT PRIMARY KEY,
    rule_id TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    state TEXT NOT NULL,
    severity TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    resolved_at INTEGER,
    updated_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE INDEX alerts_state ON alerts (state);
  CREATE INDEX alerts_started ON alerts (started_at);
  CREATE INDEX alerts_resolved ON alerts (resolved_at);
  CREATE TABLE silences (
    id TEXT PRIMARY KEY,
    ends_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );
  CREATE TABLE notifications (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    alert_id TEXT,
    channel TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error TEXT
  );
  CREATE INDEX notifications_due ON notifications (status, next_attempt_at);
  CREATE INDEX notifications_alert ON notifications (alert_id);
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
  `,
  `
  CREATE TABLE alert_channels (
    name TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );
  `,
  `
  CREATE TABLE users (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL,
    token_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
  );
  CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    hash TEXT NOT NULL,
    token_version INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL,
    scopes TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    last_used_at INTEGER,
    revoked_at INTEGER
  );
  CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    status INTEGER NOT NULL,
    ip TEXT NOT NULL,
    request_id TEXT NOT NULL
  );
  CREATE INDEX audit_log_at ON audit_log (at);
  `,
  `
  ALTER TABLE notifications ADD COLUMN claimed_by TEXT;
  ALTER TABLE notifications ADD COLUMN claim_until INTEGER;
  `,
  `
  CREATE TABLE status_documents (
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    page TEXT NOT NULL,
    data TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
  );
  `,
  `
  CREATE TABLE user_totp (
    user_id TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    confirmed_at INTEGER,
    last_step INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE user_recovery_codes (
    user_id TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, code_hash)
  );
  `,
  `
  CREATE TABLE health_rollup_flushes (
    flush_id TEXT PRIMARY KEY,
    at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX health_rollup_flushes_at ON health_rollup_flushes (at);
  CREATE TABLE health_states (
    service_id INTEGER PRIMARY KEY,
    state TEXT NOT NULL,
    failures INTEGER NOT NULL,
    since INTEGER NOT NULL,
    checked_at INTEGER NOT NULL
  );
  CREATE TABLE push_groups (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at INTEGER,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX push_groups_expires_at ON push_groups (expires_at);
  `,
  `
  CREATE TABLE health_beats (
    service_id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    state TEXT NOT NULL,
    duration_ms REAL NOT NULL,
    status_code INTEGER,
    reason_code TEXT,
    reason TEXT,
    PRIMARY KEY (service_id, at)
  ) WITHOUT ROWID;
  CREATE TABLE health_push_beats (
    service_id INTEGER PRIMARY KEY,
    at INTEGER NOT NULL,
    status TEXT NOT NULL,
    message TEXT NOT NULL,
    ping_ms REAL
  );
  `,
];

/**
 * The SQLite adapter's one migration runner: brings the file's schema (one schema for the metric, health,
 * alert and auth stores) to the newest version, one transaction per migration. Called once at start by
 * openStores, before any store is built; the stores themselves never migrate.
 */
export function migrateSqlite(db: Database.Database): void {
  migrate(db, MIGRATIONS);
}

/** Applies the migrations after the file's current version (tests pass a prefix to build old files). */
export function migrate(db: Database.Database, migrations: readonly string[]): void {
  db.exec(
    'CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)',
  );
  const row = db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number | null };
  const current = row.v ?? 0;
  const apply = db.transaction((version: number, sql: string) => {
    db.exec(sql);
    db.prepare('INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)').run(version, Date.now());
  });
  for (let version = current + 1; version <= migrations.length; version++) {
    apply.immediate(version, migrations[version - 1]!);
  }
}
