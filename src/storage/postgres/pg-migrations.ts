import type { PgDatabase } from './pg-database.js';

/**
 * Ordered schema migrations of the PostgreSQL store: one schema serves the four ports. Append only: a
 * released migration never changes. Times are bigint milliseconds, blobs bytea, JSON documents text (kept
 * byte for byte: label order is part of a series' identity in the exposition). Version 1 is the SQLite
 * schema at its version 7 (outbox claims included), with the same table and column names; version 2 its
 * version 8 (status pages); version 3 its version 10 plus the cluster tables; version 4 the write-ahead
 * epochs (PostgreSQL only); version 5 its version 9 (TOTP); version 6 its version 11 (heartbeats);
 * version 7 stores write-ahead records uncompressed (PostgreSQL only, ADR 0029).
 */
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE families (
    name text PRIMARY KEY,
    type text NOT NULL,
    help text NOT NULL,
    unit text NOT NULL,
    category text NOT NULL,
    buckets text NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE series (
    id bigint PRIMARY KEY,
    family text NOT NULL,
    labels text NOT NULL,
    role text NOT NULL,
    le double precision,
    created_at bigint NOT NULL
  );
  CREATE INDEX series_family ON series (family);
  CREATE TABLE wal (
    id bigserial PRIMARY KEY,
    data bytea NOT NULL
  );
  CREATE TABLE chunks (
    series_id bigint NOT NULL,
    min_t bigint NOT NULL,
    max_t bigint NOT NULL,
    count integer NOT NULL,
    data bytea NOT NULL,
    PRIMARY KEY (series_id, min_t)
  );
  CREATE INDEX chunks_max_t ON chunks (max_t);
  CREATE TABLE head_chunks (
    series_id bigint PRIMARY KEY,
    min_t bigint NOT NULL,
    max_t bigint NOT NULL,
    count integer NOT NULL,
    data bytea NOT NULL
  );
  CREATE INDEX head_chunks_max_t ON head_chunks (max_t);

  CREATE TABLE health_services (
    id bigserial PRIMARY KEY,
    name text NOT NULL UNIQUE,
    input text NOT NULL,
    origin text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE health_events (
    id bigserial PRIMARY KEY,
    service_id bigint NOT NULL,
    at bigint NOT NULL,
    state text NOT NULL,
    previous text NOT NULL,
    reason_code text,
    reason text
  );
  CREATE INDEX health_events_service_at ON health_events (service_id, at);
  CREATE TABLE health_rollups (
    service_id bigint NOT NULL,
    hour bigint NOT NULL,
    checks bigint NOT NULL,
    up bigint NOT NULL,
    degraded bigint NOT NULL,
    duration_sum bigint NOT NULL,
    duration_max bigint NOT NULL,
    buckets bytea NOT NULL,
    PRIMARY KEY (service_id, hour)
  );
  CREATE INDEX health_rollups_hour ON health_rollups (hour);

  CREATE TABLE alert_rules (
    id text PRIMARY KEY,
    input text NOT NULL,
    origin text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE alerts (
    id text PRIMARY KEY,
    rule_id text NOT NULL,
    fingerprint text NOT NULL,
    state text NOT NULL,
    severity text NOT NULL,
    started_at bigint NOT NULL,
    resolved_at bigint,
    updated_at bigint NOT NULL,
    data text NOT NULL
  );
  CREATE INDEX alerts_state ON alerts (state);
  CREATE INDEX alerts_started ON alerts (started_at);
  CREATE INDEX alerts_resolved ON alerts (resolved_at);
  CREATE TABLE silences (
    id text PRIMARY KEY,
    ends_at bigint NOT NULL,
    data text NOT NULL
  );
  CREATE TABLE notifications (
    id bigserial PRIMARY KEY,
    idempotency_key text NOT NULL UNIQUE,
    alert_id text,
    channel text NOT NULL,
    payload text NOT NULL,
    status text NOT NULL,
    attempts integer NOT NULL,
    next_attempt_at bigint NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    delivered_at bigint,
    last_error text,
    claimed_by text,
    claim_until bigint
  );
  CREATE INDEX notifications_due ON notifications (next_attempt_at, id) WHERE status = 'pending';
  CREATE INDEX notifications_alert ON notifications (alert_id);
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
  CREATE TABLE alert_channels (
    name text PRIMARY KEY,
    data text NOT NULL,
    updated_at bigint NOT NULL
  );

  CREATE TABLE users (
    id text PRIMARY KEY,
    name text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role text NOT NULL,
    token_version integer NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE refresh_tokens (
    id text PRIMARY KEY,
    user_id text NOT NULL,
    hash text NOT NULL,
    token_version integer NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL
  );
  CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
  CREATE TABLE api_tokens (
    id text PRIMARY KEY,
    name text NOT NULL,
    hash text NOT NULL,
    scopes text NOT NULL,
    created_by text NOT NULL,
    created_at bigint NOT NULL,
    expires_at bigint,
    last_used_at bigint,
    revoked_at bigint
  );
  CREATE TABLE audit_log (
    id bigserial PRIMARY KEY,
    at bigint NOT NULL,
    actor text NOT NULL,
    action text NOT NULL,
    target text NOT NULL,
    status integer NOT NULL,
    ip text NOT NULL,
    request_id text NOT NULL
  );
  CREATE INDEX audit_log_at ON audit_log (at);
  `,
  `
  CREATE TABLE status_documents (
    kind text NOT NULL,
    id text NOT NULL,
    page text NOT NULL,
    data text NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (kind, id)
  );
  `,
  // Version 3 (issue 16, ADR 0021): the cluster's lease and membership tables and cluster_fence (created by
  // ensureClusterSchema before, hence IF NOT EXISTS and OR REPLACE: databases that have them keep them),
  // and what the replicas share: applied health flushes, checker states, Pushgateway groups (SQLite 10).
  `
  CREATE TABLE IF NOT EXISTS cluster_leases (
    name text PRIMARY KEY,
    holder text NOT NULL,
    epoch bigint NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE IF NOT EXISTS cluster_members (
    replica_id text PRIMARY KEY,
    address text NOT NULL,
    started_at timestamptz NOT NULL,
    heartbeat_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE INDEX IF NOT EXISTS cluster_members_expires_at ON cluster_members (expires_at);
  CREATE OR REPLACE FUNCTION cluster_fence(lease_name text, expected_epoch bigint) RETURNS void
  LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM 1 FROM cluster_leases
      WHERE name = lease_name AND epoch = expected_epoch AND expires_at > clock_timestamp()
      FOR SHARE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'lease % is no longer held at epoch %', lease_name, expected_epoch
        USING ERRCODE = 'MS001';
    END IF;
  END;
  $$;

  CREATE TABLE IF NOT EXISTS health_rollup_flushes (
    flush_id text PRIMARY KEY,
    at bigint NOT NULL
  );
  CREATE INDEX IF NOT EXISTS health_rollup_flushes_at ON health_rollup_flushes (at);
  CREATE TABLE IF NOT EXISTS health_states (
    service_id bigint PRIMARY KEY,
    state text NOT NULL,
    failures integer NOT NULL,
    since bigint NOT NULL,
    checked_at bigint NOT NULL
  );
  -- Sums two roll-ups' bucket counts stored as LEB128 varints (src/storage/codec/varint-counts.ts), so a
  -- flush adds its histogram to the stored hour in the same upsert as its counts.
  CREATE OR REPLACE FUNCTION health_add_counts(a bytea, b bytea) RETURNS bytea
  LANGUAGE plpgsql IMMUTABLE STRICT AS $$
  DECLARE
    sums bigint[] := '{}';
    src bytea;
    k integer;
    byte integer;
    value bigint;
    scale bigint;
    rest bigint;
    hex text := '';
  BEGIN
    FOREACH src IN ARRAY ARRAY[a, b] LOOP
      k := 1;
      value := 0;
      scale := 1;
      FOR i IN 0 .. length(src) - 1 LOOP
        byte := get_byte(src, i);
        value := value + (byte & 127) * scale;
        IF byte < 128 THEN
          sums[k] := coalesce(sums[k], 0) + value;
          k := k + 1;
          value := 0;
          scale := 1;
        ELSE
          scale := scale * 128;
        END IF;
      END LOOP;
    END LOOP;
    FOR j IN 1 .. coalesce(array_length(sums, 1), 0) LOOP
      rest := sums[j];
      WHILE rest >= 128 LOOP
        hex := hex || lpad(to_hex((rest % 128) | 128), 2, '0');
        rest := rest / 128;
      END LOOP;
      hex := hex || lpad(to_hex(rest), 2, '0');
    END LOOP;
    RETURN decode(hex, 'hex');
  END;
  $$;
  CREATE TABLE IF NOT EXISTS push_groups (
    id text PRIMARY KEY,
    data text NOT NULL,
    expires_at bigint,
    updated_at bigint NOT NULL
  );
  CREATE INDEX IF NOT EXISTS push_groups_expires_at ON push_groups (expires_at);
  `,
  // Version 4: the scaled-out data path (ADR 0020). Each write-ahead row names the lease epoch it was
  // committed under; wal_horizon says up to which id the primary truncated, so a follower that had not
  // read that far yet knows to reload from chunks instead of silently missing rows.
  `
  ALTER TABLE wal ADD COLUMN epoch bigint;
  CREATE TABLE wal_horizon (
    one boolean PRIMARY KEY DEFAULT true CHECK (one),
    truncated_to bigint NOT NULL
  );
  INSERT INTO wal_horizon (truncated_to) VALUES (0);
  `,
  // Version 5: TOTP second factor and recovery codes (the SQLite schema's version 9, ADR 0025).
  `
  CREATE TABLE user_totp (
    user_id text PRIMARY KEY,
    secret text NOT NULL,
    confirmed_at bigint,
    last_step bigint NOT NULL,
    created_at bigint NOT NULL
  );
  CREATE TABLE user_recovery_codes (
    user_id text NOT NULL,
    code_hash text NOT NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (user_id, code_hash)
  );
  `,
  // Version 6: heartbeat bars and push monitors' last heartbeats (the SQLite schema's version 11, ADR 0032).
  `
  CREATE TABLE health_beats (
    service_id bigint NOT NULL,
    at bigint NOT NULL,
    state text NOT NULL,
    duration_ms double precision NOT NULL,
    status_code integer,
    reason_code text,
    reason text,
    PRIMARY KEY (service_id, at)
  );
  CREATE TABLE health_push_beats (
    service_id bigint PRIMARY KEY,
    at bigint NOT NULL,
    status text NOT NULL,
    message text NOT NULL,
    ping_ms double precision
  );
  `,
  // Version 7 (ADR 0029): write-ahead records (packed float64 triples, 24 bytes a sample) are stored
  // out of line without pglz compression: compressing a record cost the commit ~3 times the insert
  // itself and every follower's read a decompression, to save disk on rows deleted a checkpoint later.
  `
  ALTER TABLE wal ALTER COLUMN data SET STORAGE EXTERNAL;
  `,
];

/** Advisory lock keys of this service (int8, spelled "metrics1" and "metrics2" in ASCII). */
export const MIGRATION_LOCK_KEY = '7882834757525140273';
export const BOOTSTRAP_LOCK_KEY = '7882834757525140274';

/**
 * Applies the migrations not applied yet, all in one transaction holding a transaction-level advisory lock:
 * replicas starting at once queue on the lock, the first applies every migration, the others then find
 * nothing left to do. DDL is transactional in PostgreSQL, so a crash mid-way leaves the previous version.
 * Returns the versions this call applied.
 */
export async function migratePostgres(
  db: Pick<PgDatabase, 'transaction'>,
  migrations: readonly string[] = PG_MIGRATIONS,
): Promise<number[]> {
  return db.transaction(async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, applied_at bigint NOT NULL)',
    );
    const { rows } = await client.query<{ v: number | null }>(
      'SELECT MAX(version) AS v FROM schema_migrations',
    );
    const applied: number[] = [];
    for (let version = (rows[0]?.v ?? 0) + 1; version <= migrations.length; version++) {
      await client.query(migrations[version - 1]!);
      await client.query('INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)', [
        version,
        Date.now(),
      ]);
      applied.push(version);
    }
    return applied;
  });
}
