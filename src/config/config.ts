import { allowlistProblem } from '../security/egress-guard.js';
import type { Role } from '../storage/ports.js';
import { DEFAULT_SLICE_MS } from '../telemetry/exposition.js';
import {
  boolean,
  integer,
  list,
  oneOf,
  originProblem,
  secret,
  text,
  trustProxy,
  url,
  type Parsed,
} from './parsers.js';

const ROLES: readonly Role[] = ['admin', 'editor', 'viewer'];

function roleProblem(entry: string): string | undefined {
  return (ROLES as readonly string[]).includes(entry)
    ? undefined
    : `"${entry}" is not a role (${ROLES.join(', ')})`;
}

/**
 * Every setting of the service, read once from the environment at start. The seed's `.env` names are
 * kept (PORT, METRICS_TTL, SLACK_WEBHOOK_URL…); `.env.example` documents each of them.
 */
export interface Config {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  serviceName: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

  dataDir: string;
  databaseUrl: string | undefined;
  /** Connections of the PostgreSQL pool one process shares between its stores (DATABASE_URL only). */
  databasePoolMax: number;
  redisUrl: string | undefined;
  /** This replica's name in the scaled-out mode (the `instance` label of its own series, its member id). */
  replicaId: string | undefined;
  /** Prefix of every Redis key and channel (several deployments can share one Redis). */
  redisKeyPrefix: string;
  /** How long a lease or a membership heartbeat lasts unless renewed (renewed every third of it). */
  clusterLeaseTtlMs: number;
  /**
   * How often a replica without the primary's session advisory lock tries for it (ADR 0028: a dead
   * primary's lock is free at once); 0: no lock, failover waits for the lease row to expire.
   */
  clusterLockPollMs: number;
  storageSync: 'normal' | 'full';
  checkpointIntervalMs: number;
  systemCollectIntervalMs: number;
  systemProcPath: string;
  applicationCollectIntervalMs: number;

  metricsTtlSeconds: number;
  alertsTtlSeconds: number;
  healthChecksTtlSeconds: number;
  /** How long hourly health roll-ups are kept (uptime over 365 days needs more than a year). */
  healthRollupRetentionSeconds: number;

  prometheusEnabled: boolean;
  prometheusPort: number;
  expositionSliceMs: number;
  promqlMaxSamples: number;
  promqlTimeoutMs: number;
  promqlLookbackMs: number;
  promqlMaxPoints: number;
  promqlSubqueryStepMs: number;
  promqlCompat: '2' | '3';
  promqlChunkCacheMb: number;

  otelEnabled: boolean;
  otelServiceName: string;
  jaegerEndpoint: string | undefined;

  websocketEnabled: boolean;
  websocketBroadcastIntervalMs: number;

  slackWebhookUrl: string | undefined;
  emailSmtpHost: string | undefined;
  emailSmtpPort: number;
  emailUsername: string | undefined;
  emailPassword: string | undefined;
  emailFrom: string;
  emailTo: string | undefined;

  bodyLimitBytes: number;
  maxBatchSamples: number;
  maxLabelsPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxSeriesPerMetric: number;
  maxActiveSeries: number;
  maxFutureSkewSeconds: number;
  remoteWriteMaxBodyBytes: number;
  remoteWriteMaxDecodedBytes: number;
  /** Remote write series whose decoded labels are kept between requests (~1 KB each; 0: none). */
  remoteWriteSeriesCache: number;
  pushGroupTtlSeconds: number;
  /** OTLP/HTTP: the largest body, as received and once gunzipped (a gzip bomb stops there). */
  otlpMaxBodyBytes: number;
  /** OTLP resource attributes copied onto every series as labels (besides target_info). */
  otlpPromoteResourceAttributes: readonly string[];
  /** OTLP names get unit and `_total` suffixes (the compatibility spec's default); false keeps them bare. */
  otlpMetricSuffixes: boolean;

  healthServicesFile: string | undefined;
  healthDefaultIntervalMs: number;
  healthDefaultTimeoutMs: number;
  healthDefaultRetries: number;
  healthMaxServices: number;
  healthConcurrency: number;
  /** Heartbeats a push monitor takes per minute before 429 (issue 20). */
  healthPushMaxPerMinute: number;
  egressAllowlist: readonly string[];

  alertRulesFile: string | undefined;
  alertEvaluationIntervalMs: number;
  /** Evaluation interval of a Prometheus rule group without `interval` (ms). */
  prometheusRulesIntervalMs: number;
  webhookSecret: string | undefined;
  notifyMaxAgeSeconds: number;

  authEnabled: boolean;
  adminPassword: string | undefined;
  adminToken: string | undefined;
  jwtSecret: string | undefined;
  jwtTtlSeconds: number;
  refreshTtlSeconds: number;
  metricsAuth: boolean;
  corsOrigins: readonly string[];
  rateLimitMax: number;
  rateLimitWindowMs: number;
  loginRateLimit: number;
  maxUrlLength: number;
  bodyDrainLimitBytes: number;
  bodyDrainTimeoutMs: number;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  trustProxy: boolean | number | readonly string[];
  auditTtlSeconds: number;
  /** Roles whose people must log in with TOTP (ADR 0025); empty: TOTP is each person's choice. */
  totpRequiredRoles: readonly Role[];
  /** The issuer an authenticator app shows next to the account. */
  totpIssuer: string;
  /** host:port the other replicas reach this one at (forwarded ingest); default `<hostname>:<PORT>`. */
  clusterAddress: string | undefined;
  /** A follower's own samples waiting for the primary at most; the oldest are dropped beyond (ADR 0026). */
  forwardQueueMaxSamples: number;
  /** A follower's own samples per request to the primary at most. */
  forwardBatchMaxSamples: number;
  /** How long a follower's first queued sample waits for more before they are sent. */
  forwardLingerMs: number;
  /** A follower's own samples not acknowledged within this are dropped rather than sent late. */
  forwardMaxAgeMs: number;
}

interface Variable<K extends keyof Config> {
  key: K;
  parse: (raw: string) => Parsed<NonNullable<Config[K]>>;
  fallback: Config[K];
}

type Table = { [K in keyof Config]: Omit<Variable<K>, 'key'> & { env: string } };

const DAY = 86_400;

const TABLE: Table = {
  nodeEnv: { env: 'NODE_ENV', parse: oneOf('development', 'production', 'test'), fallback: 'development' },
  host: { env: 'HOST', parse: text, fallback: '0.0.0.0' },
  port: { env: 'PORT', parse: integer(0, 65535), fallback: 3000 },
  serviceName: { env: 'SERVICE_NAME', parse: text, fallback: 'metrics-service' },
  logLevel: {
    env: 'LOG_LEVEL',
    parse: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'),
    fallback: 'info',
  },
  dataDir: { env: 'DATA_DIR', parse: text, fallback: './data' },
  databaseUrl: { env: 'DATABASE_URL', parse: url('postgres', 'postgresql'), fallback: undefined },
  databasePoolMax: { env: 'DATABASE_POOL_MAX', parse: integer(1, 1000), fallback: 10 },
  redisUrl: { env: 'REDIS_URL', parse: url('redis', 'rediss'), fallback: undefined },
  replicaId: { env: 'REPLICA_ID', parse: text, fallback: undefined },
  redisKeyPrefix: { env: 'REDIS_KEY_PREFIX', parse: text, fallback: 'metrics-service:' },
  clusterLeaseTtlMs: { env: 'CLUSTER_LEASE_TTL', parse: integer(1000, 600_000), fallback: 10_000 },
  clusterLockPollMs: { env: 'CLUSTER_LOCK_POLL', parse: integer(0, 60_000), fallback: 250 },
  storageSync: { env: 'STORAGE_SYNC', parse: oneOf('normal', 'full'), fallback: 'normal' },
  checkpointIntervalMs: { env: 'CHECKPOINT_INTERVAL_MS', parse: integer(1000, 3_600_000), fallback: 60_000 },
  systemCollectIntervalMs: { env: 'SYSTEM_COLLECT_INTERVAL', parse: integer(0, 3_600_000), fallback: 5000 },
  systemProcPath: { env: 'SYSTEM_PROC_PATH', parse: text, fallback: '/proc' },
  applicationCollectIntervalMs: {
    env: 'APPLICATION_COLLECT_INTERVAL',
    parse: integer(0, 3_600_000),
    fallback: 5000,
  },
  metricsTtlSeconds: { env: 'METRICS_TTL', parse: integer(60, 3650 * DAY), fallback: 30 * DAY },
  alertsTtlSeconds: { env: 'ALERTS_TTL', parse: integer(60, 3650 * DAY), fallback: 90 * DAY },
  healthChecksTtlSeconds: { env: 'HEALTH_CHECKS_TTL', parse: integer(60, 3650 * DAY), fallback: 30 * DAY },
  healthRollupRetentionSeconds: {
    env: 'HEALTH_ROLLUP_RETENTION',
    parse: integer(3600, 3650 * DAY),
    fallback: 400 * DAY,
  },
  prometheusEnabled: { env: 'PROMETHEUS_ENABLED', parse: boolean, fallback: true },
  prometheusPort: { env: 'PROMETHEUS_PORT', parse: integer(1, 65535), fallback: 9090 },
  expositionSliceMs: { env: 'EXPOSITION_SLICE_MS', parse: integer(1, 1000), fallback: DEFAULT_SLICE_MS },
  promqlMaxSamples: { env: 'PROMQL_MAX_SAMPLES', parse: integer(1000, 2_000_000_000), fallback: 50_000_000 },
  promqlTimeoutMs: { env: 'PROMQL_TIMEOUT', parse: integer(100, 3_600_000), fallback: 120_000 },
  promqlLookbackMs: { env: 'PROMQL_LOOKBACK_DELTA', parse: integer(1000, 86_400_000), fallback: 300_000 },
  promqlMaxPoints: { env: 'PROMQL_MAX_POINTS', parse: integer(2, 1_000_000), fallback: 11_000 },
  promqlSubqueryStepMs: { env: 'PROMQL_SUBQUERY_STEP', parse: integer(1000, 86_400_000), fallback: 60_000 },
  promqlCompat: { env: 'PROMQL_COMPAT', parse: oneOf('2', '3'), fallback: '2' },
  promqlChunkCacheMb: { env: 'PROMQL_CHUNK_CACHE_MB', parse: integer(0, 65_536), fallback: 128 },
  otelEnabled: { env: 'OTEL_ENABLED', parse: boolean, fallback: false },
  otelServiceName: { env: 'OTEL_SERVICE_NAME', parse: text, fallback: 'metrics-service' },
  jaegerEndpoint: { env: 'JAEGER_ENDPOINT', parse: url('http', 'https'), fallback: undefined },
  websocketEnabled: { env: 'WEBSOCKET_ENABLED', parse: boolean, fallback: true },
  websocketBroadcastIntervalMs: {
    env: 'WEBSOCKET_BROADCAST_INTERVAL',
    parse: integer(100, 3_600_000),
    fallback: 5000,
  },
  slackWebhookUrl: { env: 'SLACK_WEBHOOK_URL', parse: url('https', 'http'), fallback: undefined },
  emailSmtpHost: { env: 'EMAIL_SMTP_HOST', parse: text, fallback: undefined },
  emailSmtpPort: { env: 'EMAIL_SMTP_PORT', parse: integer(1, 65535), fallback: 587 },
  emailUsername: { env: 'EMAIL_USERNAME', parse: text, fallback: undefined },
  emailPassword: { env: 'EMAIL_PASSWORD', parse: text, fallback: undefined },
  emailFrom: { env: 'EMAIL_FROM', parse: text, fallback: 'metrics-service@localhost' },
  emailTo: { env: 'EMAIL_TO', parse: text, fallback: undefined },
  bodyLimitBytes: { env: 'BODY_LIMIT_BYTES', parse: integer(1024, 1 << 30), fallback: 8 * 1024 * 1024 },
  maxBatchSamples: { env: 'MAX_BATCH_SAMPLES', parse: integer(1, 1_000_000), fallback: 50_000 },
  maxLabelsPerSeries: { env: 'MAX_LABELS_PER_SERIES', parse: integer(1, 1000), fallback: 30 },
  maxLabelNameLength: { env: 'MAX_LABEL_NAME_LENGTH', parse: integer(1, 65_536), fallback: 1024 },
  maxLabelValueLength: { env: 'MAX_LABEL_VALUE_LENGTH', parse: integer(1, 1_048_576), fallback: 2048 },
  maxSeriesPerMetric: { env: 'MAX_SERIES_PER_METRIC', parse: integer(1, 100_000_000), fallback: 10_000 },
  maxActiveSeries: { env: 'MAX_ACTIVE_SERIES', parse: integer(1, 100_000_000), fallback: 1_000_000 },
  maxFutureSkewSeconds: { env: 'MAX_FUTURE_SKEW', parse: integer(0, 86_400), fallback: 600 },
  remoteWriteMaxBodyBytes: {
    env: 'REMOTE_WRITE_MAX_BODY_BYTES',
    parse: integer(1024, 1 << 30),
    fallback: 4 * 1024 * 1024,
  },
  remoteWriteMaxDecodedBytes: {
    env: 'REMOTE_WRITE_MAX_DECODED_BYTES',
    parse: integer(1024, 1 << 30),
    fallback: 32 * 1024 * 1024,
  },
  remoteWriteSeriesCache: {
    env: 'REMOTE_WRITE_SERIES_CACHE',
    parse: integer(0, 10_000_000),
    fallback: 20_000,
  },
  pushGroupTtlSeconds: { env: 'PUSH_GROUP_TTL', parse: integer(0, 3650 * DAY), fallback: 0 },
  otlpMaxBodyBytes: { env: 'OTLP_MAX_BODY_BYTES', parse: integer(1024, 1 << 30), fallback: 8 * 1024 * 1024 },
  otlpPromoteResourceAttributes: {
    env: 'OTLP_PROMOTE_RESOURCE_ATTRIBUTES',
    parse: list(() => undefined),
    fallback: [],
  },
  otlpMetricSuffixes: { env: 'OTLP_METRIC_SUFFIXES', parse: boolean, fallback: true },
  healthServicesFile: { env: 'HEALTH_SERVICES_FILE', parse: text, fallback: undefined },
  healthDefaultIntervalMs: {
    env: 'HEALTH_DEFAULT_INTERVAL',
    parse: integer(1000, 86_400_000),
    fallback: 30_000,
  },
  healthDefaultTimeoutMs: { env: 'HEALTH_DEFAULT_TIMEOUT', parse: integer(100, 120_000), fallback: 5000 },
  healthDefaultRetries: { env: 'HEALTH_DEFAULT_RETRIES', parse: integer(0, 20), fallback: 3 },
  healthMaxServices: { env: 'HEALTH_MAX_SERVICES', parse: integer(1, 1_000_000), fallback: 20_000 },
  healthConcurrency: { env: 'HEALTH_CONCURRENCY', parse: integer(1, 10_000), fallback: 256 },
  healthPushMaxPerMinute: { env: 'HEALTH_PUSH_MAX_PER_MINUTE', parse: integer(1, 100_000), fallback: 60 },
  egressAllowlist: { env: 'EGRESS_ALLOWLIST', parse: list(allowlistProblem), fallback: [] },
  alertRulesFile: { env: 'ALERT_RULES_FILE', parse: text, fallback: undefined },
  alertEvaluationIntervalMs: {
    env: 'ALERT_EVALUATION_INTERVAL',
    parse: integer(1000, 3_600_000),
    fallback: 15_000,
  },
  prometheusRulesIntervalMs: {
    env: 'PROMETHEUS_RULES_INTERVAL',
    parse: integer(1000, 3_600_000),
    fallback: 60_000,
  },
  webhookSecret: { env: 'WEBHOOK_SECRET', parse: text, fallback: undefined },
  notifyMaxAgeSeconds: { env: 'NOTIFY_MAX_AGE', parse: integer(60, 30 * DAY), fallback: DAY },
  authEnabled: { env: 'AUTH_ENABLED', parse: boolean, fallback: true },
  adminPassword: { env: 'ADMIN_PASSWORD', parse: secret(12), fallback: undefined },
  adminToken: { env: 'ADMIN_TOKEN', parse: secret(32), fallback: undefined },
  jwtSecret: { env: 'JWT_SECRET', parse: secret(32), fallback: undefined },
  jwtTtlSeconds: { env: 'JWT_TTL', parse: integer(30, DAY), fallback: 900 },
  refreshTtlSeconds: { env: 'REFRESH_TTL', parse: integer(60, 90 * DAY), fallback: 7 * DAY },
  metricsAuth: { env: 'METRICS_AUTH', parse: boolean, fallback: true },
  corsOrigins: { env: 'CORS_ORIGINS', parse: list(originProblem), fallback: [] },
  rateLimitMax: { env: 'RATE_LIMIT_MAX', parse: integer(1, 10_000_000), fallback: 1200 },
  rateLimitWindowMs: { env: 'RATE_LIMIT_WINDOW', parse: integer(1000, 3_600_000), fallback: 60_000 },
  loginRateLimit: { env: 'LOGIN_RATE_LIMIT', parse: integer(1, 10_000), fallback: 10 },
  maxUrlLength: { env: 'MAX_URL_LENGTH', parse: integer(256, 65_536), fallback: 8192 },
  bodyDrainLimitBytes: {
    env: 'BODY_DRAIN_LIMIT_BYTES',
    parse: integer(0, 1 << 30),
    fallback: 16 * 1024 * 1024,
  },
  bodyDrainTimeoutMs: { env: 'BODY_DRAIN_TIMEOUT', parse: integer(100, 600_000), fallback: 30_000 },
  tlsCertFile: { env: 'TLS_CERT_FILE', parse: text, fallback: undefined },
  tlsKeyFile: { env: 'TLS_KEY_FILE', parse: text, fallback: undefined },
  trustProxy: { env: 'TRUST_PROXY', parse: trustProxy, fallback: false },
  auditTtlSeconds: { env: 'AUDIT_TTL', parse: integer(DAY, 3650 * DAY), fallback: 365 * DAY },
  totpRequiredRoles: {
    env: 'TOTP_REQUIRED_ROLES',
    parse: (raw) => list(roleProblem)(raw) as Parsed<readonly Role[]>,
    fallback: [],
  },
  totpIssuer: { env: 'TOTP_ISSUER', parse: text, fallback: 'metrics-service' },
  clusterAddress: { env: 'CLUSTER_ADDRESS', parse: text, fallback: undefined },
  forwardQueueMaxSamples: {
    env: 'FORWARD_QUEUE_MAX_SAMPLES',
    parse: integer(100, 10_000_000),
    fallback: 100_000,
  },
  forwardBatchMaxSamples: { env: 'FORWARD_BATCH_MAX_SAMPLES', parse: integer(1, 100_000), fallback: 2000 },
  forwardLingerMs: { env: 'FORWARD_LINGER', parse: integer(10, 60_000), fallback: 500 },
  forwardMaxAgeMs: { env: 'FORWARD_MAX_AGE', parse: integer(1000, 86_400_000), fallback: 600_000 },
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Names of every variable the service reads (documented in .env.example). */
export const ENV_NAMES: readonly string[] = Object.values(TABLE).map((v) => v.env);

/**
 * Parses the environment. Throws a ConfigError naming every bad variable at once, so one failed
 * start tells the operator everything to fix. Empty strings count as unset.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Readonly<Config> {
  const problems: string[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, variable] of Object.entries(TABLE) as [keyof Config, Table[keyof Config]][]) {
    const raw = env[variable.env];
    if (raw === undefined || raw === '') {
      out[key] = variable.fallback;
      continue;
    }
    const parsed = (variable.parse as (raw: string) => Parsed<unknown>)(raw);
    if (parsed.ok) out[key] = parsed.value;
    else problems.push(`${variable.env} ${parsed.error}`);
  }
  if ((out.tlsCertFile === undefined) !== (out.tlsKeyFile === undefined))
    problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together: set both to serve HTTPS, or neither');
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(out as unknown as Config);
}
