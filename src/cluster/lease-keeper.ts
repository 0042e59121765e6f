import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import type { PgLease } from './lease.js';

export interface LeaseKeeperEvents {
  /** This process now holds the lease at `epoch` (a new epoch each time it is won). */
  acquired?: (epoch: number) => void;
  /** Lost: taken over, released, or not renewed in time (PostgreSQL unreachable). */
  lost?: (epoch: number) => void;
}

/**
 * Tries for a lease and keeps it: acquire or renew every third of its TTL. Locally the lease counts as held
 * until `sent + ttl`, `sent` being when the winning statement was sent: the database started its clock
 * after that, so this process always thinks itself deposed before the database lets another take over.
 * Whatever it writes as holder still goes through the fence (PgLease.fenced); this view is for deciding
 * which loops to run.
 */
export class LeaseKeeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private epoch: number | undefined;
  private validUntil = 0;

  constructor(
    private readonly lease: PgLease,
    private readonly log: Logger,
    private readonly events: LeaseKeeperEvents = {},
  ) {}

  /** The epoch while this process holds the lease, else undefined. */
  get heldEpoch(): number | undefined {
    if (this.epoch !== undefined && performance.now() >= this.validUntil) this.lose();
    return this.epoch;
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.tick(), Math.max(50, Math.floor(this.lease.ttlMs / 3)));
    this.timer.unref();
    void this.tick();
  }

  /** One acquire-or-renew now (waits for one in flight). */
  async tick(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = this.attempt().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops renewing; with `release`, hands the lease over at once instead of letting it expire. */
  async stop(release = true): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    // A renewal in flight may wait behind a row lock (a fenced write holding the lease row): wait for it
    // at most one TTL. By then the lease counts as lost here anyway (see heldEpoch).
    if (this.running !== undefined) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.running,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, this.lease.ttlMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const epoch = this.epoch;
    if (epoch === undefined) return;
    this.lose();
    if (release) await this.lease.release(epoch).catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    const sent = performance.now();
    try {
      const state = await this.lease.acquire();
      if (!state.held) {
        if (this.epoch !== undefined) this.lose();
        return;
      }
      if (this.epoch !== undefined && this.epoch !== state.epoch) this.lose();
      this.validUntil = sent + this.lease.ttlMs;
      if (this.epoch === undefined) {
        this.epoch = state.epoch;
        this.log.info({ lease: this.lease.name, epoch: state.epoch }, 'lease acquired');
        this.events.acquired?.(state.epoch);
      }
    } catch (error) {
      this.log.warn({ err: error, lease: this.lease.name }, 'lease: PostgreSQL unreachable');
      if (this.epoch !== undefined && performance.now() >= this.validUntil) this.lose();
    }
  }

  private lose(): void {
    const epoch = this.epoch;
    if (epoch === undefined) return;
    this.epoch = undefined;
    this.log.warn({ lease: this.lease.name, epoch }, 'lease lost');
    this.events.lost?.(epoch);
  }
}
