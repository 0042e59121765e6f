import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { ServiceRole } from '../roles.js';
import type { MetricStore } from '../storage/ports.js';
import type { ReplicatedWal } from '../tsdb/replication-port.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { PgLease } from './lease.js';
import { LeaseKeeper } from './lease-keeper.js';
import { WalTailer } from './wal-tailer.js';

/** The lease whose holder is the primary: the one writer of metric data (ADR 0020). */
export const PRIMARY_LEASE = 'primary';

export interface PrimaryElectionOptions {
  pool: Pool;
  /** This process's lease holder name (unique per start). */
  incarnation: string;
  ttlMs: number;
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
  private readonly keeper: LeaseKeeper;
  private readonly tailer: WalTailer;
  private transitions: Promise<void> = Promise.resolve();
  private current: ServiceRole = 'follower';
  private stopping = false;

  constructor(private readonly options: PrimaryElectionOptions) {
    const { pool, incarnation, ttlMs, store, tsdb, log } = options;
    this.tailer = new WalTailer(tsdb, store, log, Math.min(1000, Math.max(100, Math.floor(ttlMs / 4))));
    this.keeper = new LeaseKeeper(new PgLease(pool, PRIMARY_LEASE, incarnation, ttlMs), log, {
      acquired: (epoch) => {
        this.enqueue(() => this.promote(epoch));
      },
      lost: () => {
        // Before anything else: no write of this process commits from now on (the fence would refuse
        // it anyway; this answers 503 without a round trip).
        store.fenceWrites(PRIMARY_LEASE, null);
        this.enqueue(() => this.demote());
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
    await this.keeper.tick();
    this.keeper.start();
    await this.transitions;
  }

  /** Hands the lease over (when primary) and stops tailing. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.keeper.stop(true);
    await this.transitions;
    await this.tailer.stop();
  }

  private enqueue(step: () => Promise<void>): void {
    this.transitions = this.transitions.then(step).catch((error: unknown) => {
      this.options.log.error({ err: error }, 'role switch failed');
    });
  }

  private async promote(epoch: number): Promise<void> {
    if (this.stopping || this.keeper.heldEpoch !== epoch) return; // lost again meanwhile
    await this.tailer.stop();
    await this.tailer.catchUp();
    this.options.store.fenceWrites(PRIMARY_LEASE, epoch);
    this.current = 'primary';
    await this.options.switchRole('primary');
    this.options.log.info({ epoch, walPosition: this.options.tsdb.walPosition }, 'role: primary');
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
