import type { PushGroup } from './group-file.js';

/**
 * Where the Pushgateway's groups live: shared by every replica (the service's database), so a group pushed
 * to one replica is served, replaced, deleted and expired the same on every other, and survives restarts.
 * A group is one JSON document keyed by its id (grouping key), with its expiry time when it has a TTL.
 */
export interface PushGroupStore {
  /** Every stored group. */
  load(): Promise<PushGroup[]>;
  /** Inserts or replaces the group of that id. `expiresAt` (ms): when its TTL ends; null: kept. */
  save(id: string, group: PushGroup, expiresAt: number | null, at: number): Promise<void>;
  /** Deletes the group; whether it existed (two replicas expiring one group: one deletes it). */
  delete(id: string): Promise<boolean>;
  /** Ids of the groups whose expiry time is at or before `now`. */
  expired(now: number): Promise<string[]>;
  close(): Promise<void>;
}

/** When a group's TTL ends (ms), or null when it has none. */
export function expiryOf(group: PushGroup): number | null {
  return group.ttlSeconds > 0 ? Math.round((group.pushTimeSeconds + group.ttlSeconds) * 1000) : null;
}
