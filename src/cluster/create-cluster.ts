import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Redis } from 'ioredis';
import type { Client, Pool } from 'pg';
import type { Logger } from 'pino';
import { MemoryLoginAttempts, type LoginAttempts } from '../auth/login-attempts.js';
import { LOCKOUT_WINDOW_MS } from '../auth/login-sessions.js';
import type { Config } from '../config/config.js';
import type { PgDatabase } from '../storage/postgres/pg-database.js';
import { LocalChangeFeed, RedisChangeFeed, type ChangeFeed } from './change-feed.js';
import { CheckAssignment } from './check-assignment.js';
import { Membership } from './membership.js';
import { ensureClusterSchema } from './pg-cluster-schema.js';
import { closeRedis, openRedis, readyWithin } from './redis-client.js';
import { RedisLoginAttempts } from './redis-login-attempts.js';
import { redisStreamsAdapter, type AdapterFactory } from './socket-adapter.js';
import { replicaIdOf } from './replica-id.js';

/** How long a starting replica waits for each Redis connection before going on without the adapter. */
const REDIS_START_WAIT_MS = 5000;

/** The parts of the scaled-out mode the rest of the service uses; all inert in the embedded mode. */
export interface Cluster {
  /** This replica's name (undefined: embedded mode). */
  replicaId: string | undefined;
  /** Unique per process start: a restarted replica is a new lease holder. */
  incarnation: string;
  feed: ChangeFeed;
  loginAttempts: LoginAttempts;
  /** socket.io across replicas (REDIS_URL), else undefined (in-process rooms). */
  socketAdapter: AdapterFactory | undefined;
  /** Live members (DATABASE_URL), else undefined. */
  membership: Membership | undefined;
  /**
   * The cluster's own small PostgreSQL pool (lease, membership, the primary's address, the WAL listener),
   * DATABASE_URL only: a lane of its own, so a lease renewal never queues behind the stores' queries under
   * heavy ingest (a late renewal deposes a healthy primary).
   */
  pool: Pool | undefined;
  /**
   * Opens a PostgreSQL session of its own named `applicationName`, outside every pool, for a session lock
   * (ADR 0028), DATABASE_URL only; its user ends it.
   */
  connectSession: ((applicationName: string) => Promise<Client>) | undefined;
  /** The stores' database handle, for other parts that need PostgreSQL (push groups): no pool of their own. */
  database: PgDatabase | undefined;
  /**
   * The replica's Redis commands client (REDIS_URL), for other parts that need Redis (the rate limiter):
   * no connection of their own. The cluster owns it: it closes it.
   */
  redis: Redis | undefined;
  /** host:port the other replicas reach this one at (its membership row). */
  address: string;
  /** Whether this replica checks a service on schedule; undefined: all of them. */
  isAssigned: ((service: string) => boolean) | undefined;
  close: () => Promise<void>;
}

/**
 * Builds the cluster parts the configuration asks for: Redis (REDIS_URL) for login counters, cache
 * invalidation and the socket.io adapter; PostgreSQL (DATABASE_URL) for membership, which spreads the health
 * checks. Without either, everything is in process and nothing is opened. `database`: the stores' pool,
 * handed on to parts that need PostgreSQL for data (push groups) so that they open none; its owner ends it.
 */
export async function createCluster(
  config: Readonly<Config>,
  log: Logger,
  database?: PgDatabase,
): Promise<Cluster> {
  const replicaId = replicaIdOf(config);
  const incarnation = `${replicaId ?? hostname()}/${randomUUID().slice(0, 8)}`;
  const closers: (() => Promise<void>)[] = [];
  let feed: ChangeFeed = new LocalChangeFeed();
  let loginAttempts: LoginAttempts = new MemoryLoginAttempts(config.loginRateLimit, LOCKOUT_WINDOW_MS);
  let socketAdapter: AdapterFactory | undefined;
  let commands: Redis | undefined;
  if (config.redisUrl !== undefined) {
    const redis: Redis = await openRedis(config.redisUrl, `${incarnation}:commands`);
    redis.on('error', (error: Error) => {
      log.warn({ err: error }, 'cluster: Redis unavailable');
    });
    // The socket.io adapter's blocking XREAD waits 5 s: a client without the command timeout. (Sharing the
    // commands client, with a shorter XREAD, crashed replicas at start on a loaded host: the adapter leaves
    // its timed-out commands' rejections unhandled.)
    const streams = await openRedis(config.redisUrl, `${incarnation}:socket.io`, 'blocking');
    streams.on('error', () => undefined); // reported once by the commands client
    commands = redis;
    feed = await RedisChangeFeed.open(redis, config.redisKeyPrefix, incarnation, log);
    loginAttempts = new RedisLoginAttempts(
      redis,
      config.redisKeyPrefix,
      config.loginRateLimit,
      LOCKOUT_WINDOW_MS,
      log,
    );
    // The adapter's own commands reject unhandled while Redis is away: without Redis at start (both
    // connections up within a few seconds), this replica's sockets stay in process (logged) rather than
    // crash it.
    const connected =
      (await readyWithin(redis, REDIS_START_WAIT_MS)) && (await readyWithin(streams, REDIS_START_WAIT_MS));
    if (connected) socketAdapter = await redisStreamsAdapter(streams, config.redisKeyPrefix);
    else log.warn('cluster: Redis unreachable at start; socket.io events stay on this replica');
    closers.push(
      () => feed.close(),
      () => closeRedis(streams),
      () => closeRedis(redis),
    );
  }
  let membership: Membership | undefined;
  let clusterPool: Pool | undefined;
  let connectSession: ((applicationName: string) => Promise<Client>) | undefined;
  const address = config.clusterAddress ?? `${hostname()}:${String(config.port)}`;
  let isAssigned: ((service: string) => boolean) | undefined;
  if (config.databaseUrl !== undefined) {
    const pool: Pool = await ownPool(config.databaseUrl, log);
    clusterPool = pool;
    const url = config.databaseUrl;
    connectSession = (applicationName) => ownSession(url, applicationName);
    await ensureClusterSchema(pool);
    const self = replicaId ?? hostname();
    membership = new Membership(pool, { replicaId: self, address, ttlMs: config.clusterLeaseTtlMs }, log);
    await membership.start();
    const members = membership;
    isAssigned = new CheckAssignment(self, () => members.members).isAssigned;
    closers.push(() => members.stop(true));
    closers.push(() => pool.end());
  }
  return {
    replicaId,
    incarnation,
    feed,
    loginAttempts,
    socketAdapter,
    membership,
    pool: clusterPool,
    connectSession,
    database,
    redis: commands,
    address,
    isAssigned,
    close: async () => {
      for (const close of closers) await close().catch(() => undefined);
    },
  };
}

/** Lease, membership, the primary's address and the WAL listener: one connection each at times. */
export const CLUSTER_POOL_MAX = 4;

/** The cluster's own pool: its coordination lane (see `Cluster.pool`). */
async function ownPool(url: string, log: Logger): Promise<Pool> {
  const { default: pg } = await import('pg');
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: CLUSTER_POOL_MAX,
    application_name: 'metrics-service',
  });
  pool.on('error', (error) => {
    log.warn({ err: error }, 'cluster: PostgreSQL connection lost');
  });
  return pool;
}

/** A session outside the pools; TCP keepalive on, so a dead server is noticed rather than waited on. */
async function ownSession(url: string, applicationName: string): Promise<Client> {
  const { default: pg } = await import('pg');
  const client: Client = new pg.Client({
    connectionString: url,
    application_name: applicationName,
    keepAlive: true,
    query_timeout: 5000,
  });
  try {
    await client.connect();
  } catch (error) {
    await client.end().catch(() => undefined);
    throw error;
  }
  return client;
}
