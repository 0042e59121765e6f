import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

const HEARTBEAT = `
INSERT INTO cluster_members (replica_id, address, started_at, heartbeat_at, expires_at)
VALUES ($1, $2, clock_timestamp(), clock_timestamp(), clock_timestamp() + $3 * interval '1 millisecond')
ON CONFLICT (replica_id) DO UPDATE
  SET address = EXCLUDED.address, heartbeat_at = EXCLUDED.heartbeat_at, expires_at = EXCLUDED.expires_at`;

const LIVE = `SELECT replica_id FROM cluster_members WHERE expires_at > clock_timestamp() ORDER BY replica_id`;

/** Rows of members gone this long are deleted (kept a while for whoever investigates a failover). */
const FORGET_AFTER = '1 hour';

export interface MembershipOptions {
  replicaId: string;
  /** Where other replicas reach this one (host:port), for forwarding and for operators. */
  address: string;
  /** A member is live while its last heartbeat is younger than this. */
  ttlMs: number;
  /** Heartbeat and refresh period (default: a third of ttlMs). */
  heartbeatMs?: number;
  /** Told every time the live member list changes. */
  onChange?: (members: readonly string[]) => void;
}

/**
 * This replica's row in `cluster_members`, kept alive by a heartbeat, and the list of live members read
 * after each heartbeat. While PostgreSQL cannot be reached the last list is kept (see `members`).
 */
export class Membership {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private live: readonly string[] | undefined;
  private validUntil = 0;
  private ticks = 0;
  private warnedStale = false;

  constructor(
    private readonly pool: Pool,
    private readonly options: MembershipOptions,
    private readonly log: Logger,
  ) {}

  get replicaId(): string {
    return this.options.replicaId;
  }

  /**
   * The live members at the last successful refresh (this one included once its heartbeat is in), or
   * undefined before the first. A view older than the TTL is kept, not dropped: if PostgreSQL is away for
   * every replica, each keeps its share and every service stays checked exactly once; `fresh` says whether
   * the view is current.
   */
  get members(): readonly string[] | undefined {
    return this.live;
  }

  get fresh(): boolean {
    const fresh = this.live !== undefined && performance.now() < this.validUntil;
    if (!fresh && this.live !== undefined && !this.warnedStale) {
      this.warnedStale = true;
      this.log.warn('membership: no heartbeat recorded within its TTL; keeping the last member list');
    }
    return fresh;
  }

  async start(): Promise<void> {
    await this.tick();
    this.timer = setInterval(
      () => void this.tick(),
      this.options.heartbeatMs ?? Math.max(50, Math.floor(this.options.ttlMs / 3)),
    );
    this.timer.unref();
  }

  /** One heartbeat and refresh now (waits for one in flight). */
  async tick(): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = this.beat().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stops the heartbeat; with `leave`, deletes the row so the others take over at once. */
  async stop(leave = true): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.running !== undefined) await this.running;
    if (leave)
      await this.pool
        .query('DELETE FROM cluster_members WHERE replica_id = $1', [this.options.replicaId])
        .catch(() => undefined);
  }

  private async beat(): Promise<void> {
    const sent = performance.now();
    try {
      const { replicaId, address, ttlMs } = this.options;
      await this.pool.query(HEARTBEAT, [replicaId, address, ttlMs]);
      const { rows } = await this.pool.query<{ replica_id: string }>(LIVE);
      if (++this.ticks % 100 === 0)
        await this.pool.query(
          `DELETE FROM cluster_members WHERE expires_at < clock_timestamp() - interval '${FORGET_AFTER}'`,
        );
      this.validUntil = sent + ttlMs;
      this.warnedStale = false;
      const members = rows.map((r) => r.replica_id);
      // The same array while nothing changed: callers cache per list (CheckAssignment).
      if (this.live?.join('\n') !== members.join('\n')) {
        this.live = members;
        this.log.info({ members }, 'cluster members changed');
        this.options.onChange?.(members);
      }
    } catch (error) {
      this.log.warn({ err: error }, 'membership: PostgreSQL unreachable');
    }
  }
}
