import { hostname } from 'node:os';
import type { Config } from '../config/config.js';

/**
 * This replica's name: REPLICA_ID, else the host name (a pod's name in Kubernetes) in the scaled-out mode
 * (DATABASE_URL set); undefined in the embedded mode, where `/metrics` stays as it was (REDIS_URL alone,
 * for shared rate limits, does not make replicas).
 */
export function replicaIdOf(config: Pick<Config, 'replicaId' | 'databaseUrl'>): string | undefined {
  if (config.replicaId !== undefined) return config.replicaId;
  return config.databaseUrl !== undefined ? hostname() : undefined;
}
