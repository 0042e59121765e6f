import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { startTestApp, type TestApp } from '../support/test-app.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A Redis key prefix of its own for one suite (this branch's name first, as the team agreed). */
export function redisPrefix(): string {
  return `h_cluster_${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under the prefix (the suites' leftovers). */
export async function dropRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

export interface Replicas {
  apps: TestApp[];
  prefix: string;
  close: () => Promise<void>;
}

/**
 * `count` app instances in this process as replicas of one deployment: one Redis (own key prefix), and
 * one SQLite file standing in for the shared PostgreSQL database (the stores' PostgreSQL adapters are
 * another branch's), each with its own REPLICA_ID.
 */
export async function startReplicas(count: number, env: Record<string, string> = {}): Promise<Replicas> {
  const prefix = redisPrefix();
  const dataDir = mkdtempSync(join(tmpdir(), 'metrics-service-cluster-'));
  const apps: TestApp[] = [];
  for (let i = 0; i < count; i++)
    apps.push(
      await startTestApp(
        { REDIS_URL, REDIS_KEY_PREFIX: prefix, REPLICA_ID: `replica-${String(i)}`, ...env },
        dataDir,
      ),
    );
  return {
    apps,
    prefix,
    close: async () => {
      for (const app of apps) await app.stop();
      rmSync(dataDir, { recursive: true, force: true });
      await dropRedisPrefix(prefix);
    },
  };
}

/**
 * Polls until `check` holds (or throws its last failure after `timeoutMs`). Give every assertion in
 * `check` a message: a failing `assert.ok(x)` without one makes Node read and re-parse the test's source
 * with acorn to quote the expression, and under tsx (the whole file on one transpiled line) that costs
 * seconds of blocked event loop per failure: the lease failover test stalled 40–240 s that way, the
 * lease's own queries starved between two polls.
 */
export async function eventually(check: () => Promise<void> | void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}
