import type { Logger } from 'pino';
import type { MetricStore } from '../storage/ports.js';
import type { ReplicatedWal } from '../tsdb/replication-port.js';
import type { Tsdb } from '../tsdb/tsdb.js';

const PAGE = 512;

/**
 * A follower's read-only head kept current (ADR 0020): woken by LISTEN/NOTIFY on each commit of the
 * primary (and by a poll, should a notification be lost with its connection), it reads the write-ahead
 * rows after the last one applied, in id order, which is commit order since one fenced writer commits
 * one statement at a time. When the primary truncated past that point, it reloads from chunks.
 */
export class WalTailer {
  private timer: NodeJS.Timeout | undefined;
  private unlisten: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = true;
  /** Set by start({ reloadFirst }): the next step reloads from chunks first, retried until it succeeds. */
  private reloadPending = false;

  constructor(
    private readonly tsdb: Tsdb,
    private readonly store: MetricStore & ReplicatedWal,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  /**
   * Follows from here on. With `reloadFirst` (a deposed primary: its head holds its own commits, whose
   * ids it never tracked) the first step recovers from chunks; a failed reload is retried at each poll
   * like a failed read, so a database hiccup at demotion never leaves a follower that stopped following.
   */
  async start(options: { reloadFirst?: boolean } = {}): Promise<void> {
    if (options.reloadFirst === true) this.reloadPending = true;
    if (!this.stopped) return;
    this.stopped = false;
    try {
      this.unlisten = await this.store.listenWal(() => {
        this.wake();
      });
    } catch (error) {
      this.log.warn({ err: error }, 'wal tail: LISTEN failed; polling only');
    }
    this.timer = setInterval(() => {
      this.wake();
    }, this.pollMs);
    this.timer.unref();
    this.wake();
  }

  /** Stops following, after the step in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    const unlisten = this.unlisten;
    this.unlisten = undefined;
    await unlisten?.().catch(() => undefined);
    await this.running;
  }

  /**
   * Reads and applies until the end of the log (a new primary does this before its first write), after
   * the reload a demotion asked for, if it has not succeeded yet.
   */
  async catchUp(): Promise<void> {
    if (this.reloadPending) {
      await this.reload();
      this.reloadPending = false;
    }
    for (;;) {
      const tail = await this.store.readWalTail(this.tsdb.walPosition, PAGE);
      if (!(await this.tsdb.follow(this.store, tail))) {
        await this.reload();
        continue;
      }
      if (tail.entries.length < PAGE) return;
    }
  }

  /**
   * Recovers again from chunks and the log; repeated while the primary truncated meanwhile (chunks
   * loaded before a truncation and rows read after it would miss what lay between).
   */
  async reload(): Promise<void> {
    const result = await reloadConsistently(this.tsdb, this.store);
    this.log.info(result, 'wal tail: reloaded from chunks');
  }

  private wake(): void {
    if (this.stopped) return;
    if (this.running !== undefined) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    // `again` is set by wake() while a step is in flight (the compiler cannot see it change here).
    const wokenMeanwhile = (): boolean => this.again && !this.stopped;
    do {
      this.again = false;
      try {
        await this.catchUp();
      } catch (error) {
        this.log.warn({ err: error }, 'wal tail: read failed; retried at the next poll');
        return;
      }
    } while (wokenMeanwhile());
  }
}

/**
 * Recovers `tsdb` from chunks and the log, again while the primary truncated meanwhile: chunks loaded
 * before a truncation and rows read after it would miss what lay between (truncation runs one checkpoint
 * late, so it takes two checkpoints during one recovery: a replica starting on a loaded host next to a
 * primary that checkpoints often). Used at a replica's start and by reload().
 */
export async function reloadConsistently(
  tsdb: Tsdb,
  store: ReplicatedWal,
): Promise<Awaited<ReturnType<Tsdb['reload']>> & { truncatedTo: number }> {
  for (;;) {
    const before = (await store.readWalTail(0, 0)).truncatedTo;
    const result = await tsdb.reload(before);
    const after = (await store.readWalTail(0, 0)).truncatedTo;
    if (after === before) return { ...result, truncatedTo: after };
  }
}
