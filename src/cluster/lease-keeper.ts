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
  private stopped = false;

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

  /** Whether this process counts itself the holder now, without checking the validity (no side effect). */
  get holding(): boolean {
    return this.epoch !== undefined;
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
    return this.serialised(() => this.attempt());
  }

  /**
   * Takes the lease over before it expires (ADR 0028: this process has just taken the lease's session
   * lock), after the acquire or renewal in flight, so this process's view follows the database's order.
   * True when it holds the lease afterwards.
   */
  async seize(): Promise<boolean> {
    return this.serialised(async () => {
      if (this.epoch !== undefined) return true;
      if (this.stopped) return false;
      const sent = performance.now();
      const state = await this.lease.takeOver();
      if (state.held) this.hold(state.epoch, sent);
      return state.held;
    });
  }

  /**
   * Gives the lease up at once and ends it in the database (ADR 0028: the session lock that lets nobody
   * else take over early is gone), then keeps contending like any other replica.
   */
  async forfeit(): Promise<void> {
    await this.serialised(async () => {
      const epoch = this.epoch;
      if (epoch === undefined) return;
      this.lose();
      await this.lease.release(epoch).catch(() => undefined);
    });
  }

  /** Stops renewing; with `release`, hands the lease over at once instead of letting it expire. */
  async stop(release = true): Promise<void> {
    this.stopped = true;
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

  /** Runs `step` after the acquire, renewal or takeover in flight, and before the next. */
  private async serialised<T>(step: () => Promise<T>): Promise<T> {
    while (this.running !== undefined) await this.running.catch(() => undefined);
    const result = step();
    const running = result.then(
      () => undefined,
      () => undefined,
    );
    this.running = running;
    try {
      return await result;
    } finally {
      if (this.running === running) this.running = undefined;
    }
  }

  private hold(epoch: number, sent: number): void {
    if (this.epoch !== undefined && this.epoch !== epoch) this.lose();
    this.validUntil = sent + this.lease.ttlMs;
    if (this.epoch === undefined) {
      this.epoch = epoch;
      this.log.info({ lease: this.lease.name, epoch }, 'lease acquired');
      this.events.acquired?.(epoch);
    }
  }

  private async attempt(): Promise<void> {
    const sent = performance.now();
    try {
      const state = await this.lease.acquire(this.epoch !== undefined);
      if (!state.held) {
        if (this.epoch !== undefined) this.lose();
        return;
      }
      this.hold(state.epoch, sent);
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
