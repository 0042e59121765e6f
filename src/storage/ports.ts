import type { FamilyDefinition, Labels, SeriesRole } from '../domain/metric.js';

/**
 * The persistence port of the metric store. The TSDB engine (src/tsdb) keeps the hot data in memory and
 * hands the store opaque, already-compressed blobs; an adapter only has to keep rows, so the embedded
 * SQLite store and a PostgreSQL store implement the same small contract and pass one shared spec.
 * Every method is async so a networked database fits without changing callers.
 */
export interface StoredFamily extends FamilyDefinition {
  createdAt: number;
}

export interface StoredSeries {
  id: number;
  family: string;
  labels: Labels;
  role: SeriesRole;
  /** Bucket upper bound for `bucket` series (Infinity for +Inf), null otherwise. */
  le: number | null;
  createdAt: number;
}

/** A compressed run of one series' samples (see storage/codec). Keyed by (seriesId, minT). */
export interface StoredChunk {
  seriesId: number;
  minT: number;
  maxT: number;
  count: number;
  data: Uint8Array;
}

/** What a checkpoint writes: chunks that are full for good, and the current open chunk of each series. */
export interface ChunkWrite {
  sealed: readonly StoredChunk[];
  open: readonly StoredChunk[];
}

/** One durable write-ahead record: the samples of one ingest request (see tsdb/wal-record.ts). */
export interface WalEntry {
  id: number;
  data: Uint8Array;
}

/** What one ingest request makes durable, in one transaction. */
export interface IngestCommit {
  /** New families, and existing ones whose HELP or unit changed: written over the stored row. */
  families: readonly StoredFamily[];
  series: readonly StoredSeries[];
  samples: Uint8Array | null;
}

/** One series of a batched chunk read: its id, and the minT below which its chunks are wanted. */
export interface ChunkRead {
  seriesId: number;
  /** Chunks from this minT on are in memory already (Infinity: none are). */
  belowMinT: number;
}

export interface StoreStats {
  /** Bytes of the database on disk, write-ahead files included. */
  bytesOnDisk: number;
  chunks: number;
  walEntries: number;
}

export interface MetricStore {
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;

  loadFamilies(): Promise<StoredFamily[]>;
  loadSeries(): Promise<StoredSeries[]>;
  /** The open chunk of every series at the last checkpoint. */
  loadLatestChunks(): Promise<StoredChunk[]>;
  /** Write-ahead records with id > afterId, oldest first, at most `limit`. */
  readWal(afterId: number, limit: number): Promise<WalEntry[]>;

  /** Durably records new families, new series and a batch of samples, all or nothing. */
  commit(commit: IngestCommit): Promise<void>;
  /** Highest write-ahead id written so far (0 when empty). */
  walHighWater(): Promise<number>;
  /**
   * In one transaction: appends sealed chunks (replacing one with the same series and minT, so a retried
   * checkpoint is harmless) and replaces each series' open chunk.
   */
  writeChunks(write: ChunkWrite): Promise<void>;
  /** Drops write-ahead records with id ≤ upToId: their samples are all in chunks now. */
  truncateWal(upToId: number): Promise<void>;

  /** Chunks of one series overlapping [from, to] whose minT is below `belowMinT`, ordered by minT. */
  readChunks(seriesId: number, from: number, to: number, belowMinT: number): Promise<StoredChunk[]>;
  /**
   * `readChunks` of many series over one range in one call (one round trip on a networked store, from
   * one consistent snapshot): the answer is aligned with `reads`, each list ordered by minT.
   */
  readChunksBatch(reads: readonly ChunkRead[], from: number, to: number): Promise<StoredChunk[][]>;

  /** Deletes at most `limit` chunks whose samples are all older than `cutoff`; returns how many. */
  deleteChunksBefore(cutoff: number, limit: number): Promise<number>;
  /** Deletes series and everything stored for them. */
  deleteSeries(ids: readonly number[]): Promise<void>;

  stats(): Promise<StoreStats>;
}

/** A watched service as stored: the client's input (JSON, defaults left implicit) and where it came from. */
export interface StoredHealthService {
  id: number;
  name: string;
  input: string;
  origin: 'api' | 'file';
  createdAt: number;
  updatedAt: number;
}

/** A state change of a service, with the reason the check gave. */
export interface StoredHealthEvent {
  serviceId: number;
  at: number;
  state: string;
  previous: string;
  reasonCode: string | null;
  reason: string | null;
}

/** One service's checks in one hour: what uptime and response-time percentiles are computed from. */
export interface HealthRollup {
  serviceId: number;
  /** Hours since the epoch. */
  hour: number;
  checks: number;
  /** Successful checks, degraded ones included. */
  up: number;
  degraded: number;
  /** Response times of the checks, whole milliseconds. */
  durationSumMs: number;
  durationMaxMs: number;
  /** Checks per response-time bucket (health/rollup-buckets.ts), not cumulative. */
  buckets: readonly number[];
}

/**
 * A service's health as the replica checking it last left it (the state machine's memory): a replica that
 * takes the service over (membership changed, rendezvous moved it) continues from here, not from zero.
 */
export interface StoredHealthState {
  serviceId: number;
  state: string;
  /** Consecutive failed checks. */
  failures: number;
  /** When the state last changed (ms). */
  since: number;
  /** The check that produced this state (ms); an older state never replaces a newer one. */
  checkedAt: number;
}

/**
 * One check as the heartbeat bar and sparkline show it (issue 19). `pending`: failed, not yet DOWN.
 * The store keeps the newest HEARTBEATS_KEPT of each service (pruned as flushes write them).
 */
export interface StoredHeartbeat {
  serviceId: number;
  at: number;
  state: 'up' | 'degraded' | 'pending' | 'down';
  durationMs: number;
  statusCode: number | null;
  reasonCode: string | null;
  reason: string | null;
}

/** How many checks per service the store keeps for the heartbeat bars (the longest bar shows 100). */
export const HEARTBEATS_KEPT = 100;

/**
 * A push monitor's last heartbeat (issue 20), shared by every replica: the one receiving it writes it, the
 * one checking the monitor reads it (ADR 0032).
 */
export interface StoredPushBeat {
  serviceId: number;
  at: number;
  status: 'up' | 'down';
  message: string;
  pingMs: number | null;
}

/**
 * What one flush of a replica's check recorder adds: roll-up deltas (this replica's checks since its last
 * acknowledged flush, at most one row per service and hour), each checked service's newest state, and the
 * checks themselves for the heartbeat bars.
 */
export interface HealthFlush {
  /** Unique per flush and process; a retry of an unacknowledged flush carries the same id. */
  id: string;
  /** When the flush was made (ms); flush ids are remembered for a day after it. */
  at: number;
  rollups: readonly HealthRollup[];
  states: readonly StoredHealthState[];
  /** The checks of the flush (absent: none), written with it and pruned to HEARTBEATS_KEPT per service. */
  beats?: readonly StoredHeartbeat[];
}

/** The health checker's persistence port (definitions, state changes, hourly roll-ups). */
export interface HealthStore {
  loadServices(): Promise<StoredHealthService[]>;
  /** Inserts or replaces the service of that name; returns its id (kept across updates). */
  saveService(name: string, input: string, origin: 'api' | 'file', at: number): Promise<number>;
  /** Deletes a service with its events, roll-ups and state. */
  deleteService(id: number): Promise<void>;

  appendEvents(events: readonly StoredHealthEvent[]): Promise<void>;
  /** The newest event of each service (restores states after a restart). */
  latestEvents(): Promise<StoredHealthEvent[]>;
  /** One service's events at or after `since`, newest first. */
  events(serviceId: number, since: number, limit: number): Promise<StoredHealthEvent[]>;

  /** Writes roll-up rows, replacing the rows of the same service and hour (fixtures, imports). */
  saveRollups(rows: readonly HealthRollup[]): Promise<void>;
  /**
   * Adds a flush's roll-up deltas to the stored hours (counts and buckets summed, maximum kept) and keeps
   * each service's newest state, atomically and once per flush id: replicas checking the same service in
   * one hour add up instead of overwriting each other, and a retried flush whose first attempt committed
   * (its answer lost) changes nothing. Returns whether this call applied it.
   */
  applyFlush(flush: HealthFlush): Promise<boolean>;
  /** The stored states of the given services (all services without ids). */
  healthStates(serviceIds?: readonly number[]): Promise<StoredHealthState[]>;
  /** One service's roll-ups from `fromHour` on. */
  rollups(serviceId: number, fromHour: number): Promise<HealthRollup[]>;
  /** Every service's rows of one hour (to resume the current hour after a restart). */
  rollupsOfHour(hour: number): Promise<HealthRollup[]>;
  /** Checks and successes per service since `fromHour` (the list view's uptime). */
  uptimeTotals(fromHour: number): Promise<Map<number, { checks: number; up: number }>>;
  /** Deletes events and roll-ups older than `cutoff` (ms) of the given services; returns rows deleted. */
  deleteHealthBefore(serviceIds: readonly number[], cutoff: number): Promise<number>;

  /** One service's roll-ups of the hours in [fromHour, toHour), oldest first (the monthly report). */
  rollupsBetween(serviceId: number, fromHour: number, toHour: number): Promise<HealthRollup[]>;
  /** One service's events in [from, to), oldest first, up to `limit` (the incident history). */
  eventsBetween(serviceId: number, from: number, to: number, limit: number): Promise<StoredHealthEvent[]>;
  /** The newest event of one service before `at`: the state a window starts in. */
  eventBefore(serviceId: number, at: number): Promise<StoredHealthEvent | undefined>;
  /** Deletes the given services' events older than `cutoff` (ms); returns rows deleted. */
  deleteEventsBefore(serviceIds: readonly number[], cutoff: number): Promise<number>;
  /** Deletes the given services' roll-ups of hours before `beforeHour`; returns rows deleted. */
  deleteRollupsBefore(serviceIds: readonly number[], beforeHour: number): Promise<number>;

  /** The newest `limit` checks of each given service, oldest first (services without any are absent). */
  heartbeats(serviceIds: readonly number[], limit: number): Promise<Map<number, StoredHeartbeat[]>>;
  /** Keeps a push monitor's newest heartbeat (an older one never replaces a newer one). */
  savePushBeat(beat: StoredPushBeat): Promise<void>;
  /** A push monitor's last heartbeat, if any (deleted with the service). */
  pushBeat(serviceId: number): Promise<StoredPushBeat | undefined>;
}

/** An alert rule as stored: the client's input (JSON) and where it came from. */
export interface StoredRule {
  id: string;
  input: string;
  origin: 'api' | 'file' | 'builtin';
  createdAt: number;
  updatedAt: number;
}

/** An alert: filterable columns, and the whole alert as JSON in `data`. */
export interface StoredAlert {
  id: string;
  ruleId: string;
  fingerprint: string;
  state: string;
  severity: string;
  startedAt: number;
  resolvedAt: number | null;
  updatedAt: number;
  data: string;
}

export interface AlertFilter {
  states?: readonly string[];
  severities?: readonly string[];
  ruleId?: string;
  from?: number;
  to?: number;
  limit: number;
}

/** A notification waiting in (or gone through) the outbox. */
export interface OutboxItem {
  id: number;
  idempotencyKey: string;
  alertId: string | null;
  channel: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed' | 'expired';
  attempts: number;
  nextAttemptAt: number;
  createdAt: number;
  expiresAt: number;
  deliveredAt: number | null;
  lastError: string | null;
}

/** How one delivery attempt ended: delivered, given up (refused or expired), or due again later. */
export type SettleOutcome =
  | { status: 'delivered'; at: number }
  | { status: 'failed' | 'expired'; error: string }
  | { status: 'pending'; nextAttemptAt: number; error: string };

export interface AlertStore {
  /** Small facts kept across restarts (for example, that the predefined rules were installed once). */
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /**
   * Installs `rules` and records `marker` = `value` in one transaction, only if `marker` is absent; returns
   * whether this call did it. Replicas starting at once on one database install the rules exactly once, and
   * a loser returns only after the winner's rules are visible.
   */
  seedRules(marker: string, value: string, rules: readonly StoredRule[]): Promise<boolean>;

  loadRules(): Promise<StoredRule[]>;
  saveRule(rule: StoredRule): Promise<void>;
  deleteRule(id: string): Promise<void>;

  saveAlert(alert: StoredAlert): Promise<void>;
  /** Alerts not resolved (pending or firing), to resume after a restart. */
  activeAlerts(): Promise<StoredAlert[]>;
  listAlerts(filter: AlertFilter): Promise<StoredAlert[]>;
  getAlert(id: string): Promise<StoredAlert | undefined>;
  /** Deletes resolved alerts resolved before `cutoff` (ALERTS_TTL) and their notifications. */
  deleteAlertsBefore(cutoff: number): Promise<number>;

  saveSilence(id: string, endsAt: number, data: string): Promise<void>;
  deleteSilence(id: string): Promise<boolean>;
  loadSilences(): Promise<{ id: string; data: string }[]>;

  loadChannels(): Promise<{ name: string; data: string }[]>;
  saveChannel(name: string, data: string, at: number): Promise<void>;
  deleteChannel(name: string): Promise<boolean>;

  /** Adds notifications; one whose idempotency key exists already is ignored. */
  enqueue(
    items: readonly Omit<OutboxItem, 'id' | 'status' | 'attempts' | 'deliveredAt' | 'lastError'>[],
  ): Promise<void>;
  /** Pending notifications due at `now`, oldest first (claimed or not: a read-only view). */
  due(now: number, limit: number): Promise<OutboxItem[]>;
  /**
   * Claims up to `limit` pending notifications due at `now` that nobody holds (no claim, or one whose lease
   * ended), oldest first, for `owner` until `now + leaseMs`. Two outboxes on one database never get the same
   * row while a claim lives (PostgreSQL: FOR UPDATE SKIP LOCKED).
   */
  claimDue(now: number, limit: number, owner: string, leaseMs: number): Promise<OutboxItem[]>;
  /** The earliest time a pending notification can be claimed (its next attempt, or its claim's end). */
  nextDue(): Promise<number | undefined>;
  /**
   * Records how an attempt ended and releases the claim, only if `owner` still holds it (nobody took the row
   * over after its lease ended). Returns false, changing nothing, when the claim was lost.
   */
  settle(id: number, owner: string, outcome: SettleOutcome): Promise<boolean>;
  notificationsOf(alertId: string): Promise<OutboxItem[]>;
}

export type Role = 'admin' | 'editor' | 'viewer';
export type TokenScope = 'ingest' | 'read' | 'admin';

export interface StoredUser {
  id: string;
  name: string;
  passwordHash: string;
  role: Role;
  /** Bumped by a password or role change: every token issued under an earlier version is refused. */
  tokenVersion: number;
  createdAt: number;
  updatedAt: number;
}

export interface StoredRefreshToken {
  id: string;
  userId: string;
  hash: string;
  tokenVersion: number;
  createdAt: number;
  expiresAt: number;
}

export interface StoredApiToken {
  id: string;
  name: string;
  hash: string;
  scopes: TokenScope[];
  createdBy: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export interface AuditEntry {
  at: number;
  actor: string;
  action: string;
  target: string;
  status: number;
  ip: string;
  requestId: string;
}

export interface AuditFilter {
  from?: number;
  to?: number;
  actor?: string;
  /** Entries whose action starts with this (`POST /api/alerts/:id/`: every action on one alert). */
  actionPrefix?: string;
  /** Entries whose target holds this space-separated part (`id=42`, `name=api`). */
  targetPart?: string;
  limit: number;
}

export interface AuthStore {
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
  /** Stores `value` under `key` unless a value is there; returns the stored value (the first writer's). */
  setMetaIfAbsent(key: string, value: string): Promise<string>;

  countUsers(): Promise<number>;
  listUsers(): Promise<StoredUser[]>;
  getUser(id: string): Promise<StoredUser | undefined>;
  getUserByName(name: string): Promise<StoredUser | undefined>;
  saveUser(user: StoredUser): Promise<void>;
  /**
   * Inserts `user` only when there is no user at all; returns whether it did. Replicas bootstrapping one
   * empty database at once end with exactly one first user.
   */
  createFirstUser(user: StoredUser): Promise<boolean>;
  /** Deletes the user and its refresh tokens. */
  deleteUser(id: string): Promise<boolean>;

  saveRefreshToken(token: StoredRefreshToken): Promise<void>;
  /** Removes and returns a refresh token: each one is used once. */
  takeRefreshToken(id: string): Promise<StoredRefreshToken | undefined>;
  deleteRefreshTokensOf(userId: string): Promise<void>;
  deleteExpiredRefreshTokens(now: number): Promise<number>;

  saveApiToken(token: StoredApiToken): Promise<void>;
  getApiToken(id: string): Promise<StoredApiToken | undefined>;
  listApiTokens(): Promise<StoredApiToken[]>;
  markApiTokenUsed(id: string, at: number): Promise<void>;

  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(filter: AuditFilter): Promise<(AuditEntry & { id: number })[]>;
  deleteAuditBefore(cutoff: number): Promise<number>;
}

/** A person's TOTP second factor: the shared secret, confirmed or still being enrolled (ADR 0025). */
export interface StoredTotp {
  userId: string;
  /** Base32, as authenticator apps take it. */
  secret: string;
  /** Null while the enrolment waits for its first code. */
  confirmedAt: number | null;
  /** The last 30-second step a code was accepted for: no code is accepted twice. */
  lastStep: number;
  createdAt: number;
}

/** TOTP secrets and recovery codes (sqlite/sqlite-second-factor-store.ts, postgres/pg-second-factor-store.ts). */
export interface SecondFactorStore {
  getTotp(userId: string): Promise<StoredTotp | undefined>;
  /** Stores a new unconfirmed secret (replacing an unconfirmed one), unless one is confirmed; whether it did. */
  beginTotp(userId: string, secret: string, at: number): Promise<boolean>;
  /**
   * Confirms the pending secret with the step of the code that proved it, and stores the recovery codes'
   * hashes, in one transaction; false when nothing is pending (confirmed meanwhile, or never begun).
   */
  confirmTotp(userId: string, step: number, at: number, recoveryHashes: readonly string[]): Promise<boolean>;
  /** Records `step` as used when it is later than the last one used; false is a replayed code. */
  useTotpStep(userId: string, step: number): Promise<boolean>;
  /** Deletes the secret and every recovery code of the user. */
  deleteTotp(userId: string): Promise<void>;
  replaceRecoveryCodes(userId: string, hashes: readonly string[]): Promise<void>;
  /** Removes one unused recovery code; whether it was there (each works once, also under races). */
  takeRecoveryCode(userId: string, hash: string): Promise<boolean>;
  countRecoveryCodes(userId: string): Promise<number>;
}

/**
 * Public status pages, their incidents and maintenance windows (issue 19), each kept as a JSON document
 * with the columns the lists filter on. Few rows, read once at start and rewritten one at a time.
 */
export interface StoredStatusDocument {
  id: string;
  /** The page's slug (for a page, its own). */
  page: string;
  data: string;
  updatedAt: number;
}

export type StatusKind = 'page' | 'incident' | 'maintenance';

/** The status pages' persistence port (sqlite/sqlite-status-store.ts, postgres/pg-status-store.ts). */
export interface StatusStore {
  load(kind: StatusKind): Promise<StoredStatusDocument[]>;
  /** Inserts or replaces the document of that kind and id. */
  save(kind: StatusKind, document: StoredStatusDocument): Promise<void>;
  remove(kind: StatusKind, id: string): Promise<void>;
}
