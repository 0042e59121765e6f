import type { Labels } from '../domain/metric.js';
import type { MetricStore, WalEntry } from '../storage/ports.js';
import { Appender } from './appender.js';
import { checkpoint, type CheckpointResult } from './checkpoint.js';
import { GroupCommit } from './group-commit.js';
import { Heads } from './heads.js';
import type { LabelSetView, TsdbReader } from './read-port.js';
import { recover, type RecoveryResult } from './recovery.js';
import { SeriesRegistry } from './registry.js';
import { deleteLabelSets, Retention } from './retention.js';
import { RegistryReader } from './tsdb-reader.js';
import { isReplicatedWal, type ReplicatedWal, type WalTail } from './replication-port.js';
import { followWal } from './wal-follow.js';
import { WriteLock } from './write-lock.js';

export interface TsdbOptions {
  /**
   * Scaled out (ADR 0020): a checkpoint truncates the write-ahead log only up to the previous
   * checkpoint's mark, so a follower lagging less than one checkpoint interval never has to reload.
   */
  truncateOneCheckpointLate?: boolean;
}

export type { SampleRange } from './read-port.js';

/**
 * The time-series engine: the index of families and label sets and the heads in memory, chunks and
 * write-ahead records in the store. It owns all of that state: readers get the read port (`reader`),
 * writers an `Appender` under the write lock (`append`), and retention, checkpoints and recovery are its
 * own methods. Writes are durable through the store's commit (one write-ahead record per group of concurrent
 * requests, ADR 0029);
 * checkpoints fold heads into chunks and drop the write-ahead records they cover.
 */
export class Tsdb {
  private readonly lock = new WriteLock();
  private readonly registry = new SeriesRegistry();
  private readonly heads = new Heads();
  private readonly commits: GroupCommit;
  readonly reader: TsdbReader;
  private position = 0;
  private previousCutoff = 0;
  /** The truncation horizon a follower last dropped sealed chunks at. */
  private persistedTo = 0;

  constructor(
    readonly store: MetricStore,
    private readonly options: TsdbOptions = {},
  ) {
    this.reader = new RegistryReader(this.registry, this.heads, store);
    this.commits = new GroupCommit(store);
  }

  /** Rebuilds memory from the store (once, on start, before any write). */
  recover(): Promise<RecoveryResult> {
    return this.lock.run(async () => {
      const result = await recover(this.store, this.registry, this.heads, this.replayPage());
      this.position = result.walPosition;
      return result;
    });
  }

  /**
   * How recovery applies the log: on a replicated store a primary writes meanwhile, so a record may name
   * series created after recovery loaded the series rows; they are loaded first, as a follower does
   * (their samples were skipped as unknown before).
   */
  private replayPage(): ((entries: readonly WalEntry[]) => Promise<number>) | undefined {
    const store = this.store;
    if (!isReplicatedWal(store)) return undefined;
    return (entries) => followWal(store, this.registry, this.heads, entries);
  }

  /**
   * The id of the last write-ahead record this TSDB applied as a follower or replayed at recovery
   * (its own commits as the primary do not move it: a deposed primary reloads).
   */
  get walPosition(): number {
    return this.position;
  }

  /** Samples held in memory (heads' open and sealed chunks): what a follower must keep bounded. */
  get headSamples(): number {
    return this.heads.samplesInMemory();
  }

  /**
   * A follower's step: applies the records of `tail` after walPosition. Returns false, applying nothing,
   * when the primary truncated past walPosition (rows this head never saw are gone): reload() then.
   */
  follow(store: MetricStore & ReplicatedWal, tail: WalTail): Promise<boolean> {
    return this.lock.run(async () => {
      if (tail.truncatedTo > this.position) return false;
      if (tail.truncatedTo > this.persistedTo) {
        // The primary truncates only records its checkpoints folded into chunks: what they sealed is
        // stored, so this head drops it as the primary did (ADR 0027), and memory tracks the primary's.
        this.heads.dropSealedThrough(tail.truncatedTo);
        this.persistedTo = tail.truncatedTo;
      }
      const entries = tail.entries.filter((entry) => entry.id > this.position);
      if (entries.length === 0) return true;
      await followWal(store, this.registry, this.heads, entries);
      this.position = entries[entries.length - 1]!.id;
      return true;
    });
  }

  /**
   * Forgets memory and recovers again from chunks and the write-ahead log (a follower fallen behind).
   * `truncatedTo` is the primary's truncation horizon read before: the chunks loaded cover every record
   * up to it, so the position is at least that even when no record is left to replay.
   */
  reload(truncatedTo: number): Promise<RecoveryResult> {
    return this.lock.run(async () => {
      this.registry.clear();
      this.heads.clear();
      const result = await recover(this.store, this.registry, this.heads, this.replayPage());
      this.position = Math.max(result.walPosition, truncatedTo);
      return result;
    });
  }

  /**
   * Runs `work` with an appender under the write lock; what `work` stages and does not commit (it
   * threw, or returned without `app.commit()`) is rolled back. The lock is released when the appender
   * hands its write to the group commit (ADR 0029), before that write is durable.
   */
  async append<T>(
    clock: () => number,
    expectedSamples: number,
    work: (app: Appender) => Promise<T> | T,
  ): Promise<T> {
    const release = await this.lock.acquire();
    // The time is read under the lock: a write waiting behind another must not be older than it.
    const app = new Appender(this.registry, this.heads, this.commits, clock(), expectedSamples, (durable) => {
      this.lock.handOff(durable);
      release();
    });
    try {
      return await work(app);
    } finally {
      app.close();
      release();
    }
  }

  /** Folds dirty heads into chunks and truncates the write-ahead log they cover. */
  checkpoint(): Promise<CheckpointResult> {
    return checkpoint(this.store, this.heads, this.lock, (cutoff) => {
      if (this.options.truncateOneCheckpointLate !== true) return cutoff;
      const truncateTo = this.previousCutoff;
      this.previousCutoff = cutoff;
      return truncateTo;
    });
  }

  /** Enforces a retention of `ttlMs` (label sets not written since, and chunks older than that). */
  retention(ttlMs: number, clock: () => number = Date.now): Retention {
    return new Retention(this.store, this.registry, this.heads, this.lock, ttlMs, clock);
  }

  /** Removes the label sets of these families whose labels match (a deleted health-checked service). */
  deleteLabelSets(families: readonly string[], matches: (labels: Labels) => boolean): Promise<void> {
    return this.lock.run(() => {
      const sets = families.flatMap((name) =>
        [...(this.registry.families.get(name)?.sets.values() ?? [])].filter((set) => matches(set.labels)),
      );
      return deleteLabelSets(this.store, this.registry, this.heads, sets);
    });
  }

  /** Removes one label set (what a client's delete does). */
  deleteLabelSet(set: LabelSetView): Promise<void> {
    return this.deleteLabelSets([set.family.def.name], (labels) => labels === set.labels);
  }
}
