import { performance } from 'node:perf_hooks';
import type { Client, Pool } from 'pg';
import type { Logger } from 'pino';
import type { ServiceRole } from '../roles.js';
import type { MetricStore } from '../storage/ports.js';
import type { ReplicatedWal } from '../tsdb/replication-port.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { LockedLease } from './locked-lease.js';
import { WalTailer } from './wal-tailer.js';

/** The lease whose holder is the primary: the one writer of metric data (ADR 0020). */
export const PRIMARY_LEASE = 'primary';
/** The session advisory lock beside the `primary` lease row (ADR 0028); next to the migration keys. */
export const PRIMARY_LOCK_KEY = '7882834757525140275';

export interface PrimaryElectionOptions {
  pool: Pool;
  /** This process's lease holder name (unique per start). */
  incarnation: string;
  ttlMs: number;
  /**
   * Opens a dedicated session named `applicationName` for the lease's advisory lock (ADR 0028); undefined,
   * or `lockPollMs` 0: no lock, a dead primary is replaced when its lease row expires.
   */
  connectLock?: ((applicationName: string) => Promise<Client>) | undefined;
  /** How often a replica without the lock tries for it (CLUSTER_LOCK_POLL). */
  lockPollMs?: number;
  store: MetricStore & ReplicatedWal;
  tsdb: Tsdb;
  /** Starts and stops the loops of a role (services.ts). */
  switchRole: (role: ServiceRole) => Promise<void>;
  log: Logger;
}

/**
 * Switches this replica between follower and primary as the `primary` lease comes and goes. Promotion:
 * stop tailing, read the log to its end (the old primary can no longer commit: its epoch is fenced), then
 * fence writes with the new epoch and start the primary's loops. Demotion: refuse writes at once, stop the
 * primary's loops and tail again, reloading the head first (it holds this process's own commits, whose
 * ids it never tracked). Transitions run one after another, in the order the lease changed.
 */
export class PrimaryElection {
  private readonly lease: LockedLease;
  private readonly tailer: WalTailer;
  private transitions: Promise<void> = Promise.resolve();
  private current: ServiceRole = 'follower';
  private stopping = false;

  constructor(private readonly options: PrimaryElectionOptions) {
    const { pool, incarnation, ttlMs, store, tsdb, log } = options;
    this.tailer = new WalTailer(tsdb, store, log, Math.min(1000, Math.max(100, Math.floor(ttlMs / 4))));
    this.lease = new LockedLease({
      pool,
      name: PRIMARY_LEASE,
      holder: incarnation,
      ttlMs,
      lockKey: PRIMARY_LOCK_KEY,
      connectLock: options.connectLock,
      lockPollMs: options.lockPollMs ?? 0,
      log,
      events: {
        acquired: (epoch) => {
          const at = performance.now();
          this.enqueue(() => this.promote(epoch, at));
        },
        lost: () => {
          // Before anything else: no write of this process commits from now on (the fence would refuse
          // it anyway; this answers 503 without a round trip).
          store.fenceWrites(PRIMARY_LEASE, null);
          this.enqueue(() => this.demote());
        },
      },
    });
  }

  get role(): ServiceRole {
    return this.current;
  }

  /** Starts as a follower, tries for the lease once, and keeps trying. Resolves when the role is settled. */
  async start(): Promise<void> {
    this.options.store.fenceWrites(PRIMARY_LEASE, null);
    await this.tailer.start();
    await this.lease.tick();
    this.lease.start();
    await this.transitions;
  }

  /** Hands the lease over (when primary) and stops tailing. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.lease.stop(true);
    await this.transitions;
    await this.tailer.stop();
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((error: unknown) => {
      this.options.log.error({ err: error }, 'role switch failed');
    });
  }

  /** `acquiredAt`: when the lease was won (performance.now()). */
  private async promote(epoch: number, acquiredAt: number): Promise<void> {
    if (this.stopping || this.lease.heldEpoch !== epoch) return; // lost again meanwhile
    // The failover's parts after detection, logged for the benchmark (bench/cluster-vs-embedded.ts).
    const began = performance.now();
    await this.tailer.stop();
    await this.tailer.catchUp();
    const caughtUp = performance.now();
    this.options.store.fenceWrites(PRIMARY_LEASE, epoch);
    this.current = 'primary';
    await this.options.switchRole('primary');
    const switched = performance.now();
    this.options.log.warn(
      {
        epoch,
        walPosition: this.options.tsdb.walPosition,
        queuedMs: Math.round(began - acquiredAt),
        catchUpMs: Math.round(caughtUp - began),
        switchRoleMs: Math.round(switched - caughtUp),
      },
      'role: primary',
    );
  }

  private async demote(): Promise<void> {
    if (this.current !== 'primary') return;
    this.current = 'follower';
    try {
      await this.options.switchRole('follower');
    } finally {
      // Following resumes even when stopping a loop failed: a follower that stopped tailing would
      // answer stale data for good.
      if (!this.stopping) await this.tailer.start({ reloadFirst: true });
    }
    this.options.log.warn('role: follower (lease lost)');
  }
}
