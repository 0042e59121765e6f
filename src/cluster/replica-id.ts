import { hostname } from 'node:os';
import type { Config } from '../config/config.js';

/**
 * This replica's name: REPLICA_ID, else the host name (a pod's name in Kubernetes) in the scaled-out mode
 * (DATABASE_URL or REDIS_URL set); undefined in the embedded mode, where `/metrics` stays as it was.
 */
export function replicaIdOf(
  config: Pick<Config, 'replicaId' | 'databaseUrl' | 'redisUrl'>,
): string | undefined {
  if (config.replicaId !== undefined) return config.replicaId;
  return config.databaseUrl !== undefined || config.redisUrl !== undefined ? hostname() : undefined;
}
