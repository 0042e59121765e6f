import type { Client, Pool } from 'pg';
import type { Logger } from 'pino';
import { lockSessionName, PgLease } from './lease.js';
import { LeaseKeeper, type LeaseKeeperEvents } from './lease-keeper.js';
import { LeaseLock } from './lease-lock.js';

export interface LockedLeaseOptions {
  pool: Pool;
  name: string;
  /** This process's holder name (unique per start). */
  holder: string;
  ttlMs: number;
  /** The session advisory lock's key (a bigint, as text). */
  lockKey: string;
  /**
   * Opens a dedicated session named `applicationName` for the lock; undefined, or `lockPollMs` 0: no lock,
   * the lease changes hands only when its row expires or is released.
   */
  connectLock: ((applicationName: string) => Promise<Client>) | undefined;
  /** How often a process without the lock tries for it. */
  lockPollMs: number;
  log: Logger;
  events: LeaseKeeperEvents;
}

/**
 * A lease row (PgLease, renewed by a LeaseKeeper) with a session advisory lock beside it (ADR 0028). The
 * holder keeps the lock; PostgreSQL frees it the moment the holder's session ends (a killed process's
 * socket closes), so whoever takes the lock next takes the lease over at once, at a new epoch, instead of
 * waiting for the row to expire. A holder that is only paused keeps its session, so the row's expiry
 * still deposes it; the epoch fence keeps every case safe, the lock only makes the common one fast.
 */
export class LockedLease {
  private readonly keeper: LeaseKeeper;
  private readonly lock: LeaseLock | undefined;

  constructor(options: LockedLeaseOptions) {
    const { pool, name, holder, ttlMs, connectLock, lockPollMs, log, events } = options;
    this.keeper = new LeaseKeeper(new PgLease(pool, name, holder, ttlMs), log, {
      acquired: events.acquired,
      lost: (epoch) => {
        // Whoever holds the lease now may be without the lock (it won by expiry): let it have it.
        void this.lock?.release(() => this.keeper.holding);
        events.lost?.(epoch);
      },
    });
    if (connectLock !== undefined && lockPollMs > 0)
      this.lock = new LeaseLock({
        key: options.lockKey,
        connect: () => connectLock(lockSessionName(holder)),
        pollMs: lockPollMs,
        log,
        // Holding the lease: keep the lock. Else the holder's session is gone (or it never had the
        // lock and is alive: then seize() gets nothing and the lock goes back).
        gained: () => this.keeper.seize(),
        // The session that kept others from taking over early is gone, and so is the right to write.
        dropped: () => void this.keeper.forfeit(),
      });
  }

  /** The epoch while this process holds the lease, else undefined. */
  get heldEpoch(): number | undefined {
    return this.keeper.heldEpoch;
  }

  /** Whether this process holds the lock now. */
  get lockHeld(): boolean {
    return this.lock?.isHeld ?? false;
  }

  /** One acquire-or-renew of the row now. */
  async tick(): Promise<void> {
    await this.keeper.tick();
  }

  start(): void {
    this.keeper.start();
    this.lock?.start();
  }

  /**
   * Stops; with `release` the row is ended first, so the replica that takes the freed lock finds the
   * lease ended rather than held by a live session, and takes it at once.
   */
  async stop(release = true): Promise<void> {
    await this.keeper.stop(release);
    await this.lock?.stop();
  }
}
