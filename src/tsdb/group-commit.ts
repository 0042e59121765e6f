import type { IngestCommit, MetricStore } from '../storage/ports.js';

/** One ingest request's part of a group (ADR 0029). */
export interface CommitMember {
  commit: IngestCommit;
  /** Makes the member's writes visible: called in submission order once its group is durable. */
  publish(): void;
  /** Undoes what the member left in memory: its group, or one before it, was not committed. */
  abandon(): void;
}

interface Queued {
  member: CommitMember;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit (ADR 0029): the ingest requests staged while one store write is in flight are written
 * together in the next one, as one write-ahead record (their records concatenated, in submission order,
 * which is the order they staged in) with their new families and series, then published in that order.
 * One store write at a time, so write-ahead ids stay in commit order; a request is acknowledged only
 * when the write that carries it succeeded. A failed write fails its whole group and every request
 * queued behind it, since those staged on values of the failed ones; `generation` moves so that a
 * request still staging on such values fails too.
 */
export class GroupCommit {
  private queued: Queued[] = [];
  private flushing = false;
  /** Moves each time a store write fails. */
  generation = 0;

  constructor(private readonly store: MetricStore) {}

  /** Resolves once the member is durable and published; rejects with the store's error otherwise. */
  submit(member: CommitMember): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ member, resolve, reject });
      if (this.flushing) return;
      this.flushing = true;
      // Written once the event loop's current turn is over, not at once: the requests whose bodies
      // arrived in the same turn commit in this write too. A synchronous store (SQLite) would otherwise
      // write each request alone, and a write's fixed part (the transaction, its locks, the b-tree pages
      // besides the record's own) cost about as much as a 1,000-sample record. A lone request waits
      // for no timer: only for the rest of the turn.
      setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    try {
      while (this.queued.length > 0) {
        const group = this.queued;
        this.queued = [];
        try {
          await this.store.commit(merge(group.map((queued) => queued.member.commit)));
        } catch (error) {
          this.fail([...group, ...this.queued.splice(0)], error);
          continue;
        }
        for (const { member, resolve } of group) {
          member.publish();
          resolve();
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  private fail(failed: readonly Queued[], error: unknown): void {
    this.generation++;
    for (let i = failed.length - 1; i >= 0; i--) failed[i]!.member.abandon();
    for (const { reject } of failed) reject(error);
  }
}

/** The commits of a group as one: one write-ahead record, the samples in submission order. */
export function merge(commits: readonly IngestCommit[]): IngestCommit {
  if (commits.length === 1) return commits[0]!;
  const records = commits.flatMap((commit) => (commit.samples === null ? [] : [commit.samples]));
  let samples: Uint8Array | null = null;
  if (records.length > 0) {
    samples = new Uint8Array(records.reduce((bytes, record) => bytes + record.byteLength, 0));
    let offset = 0;
    for (const record of records) {
      samples.set(record, offset);
      offset += record.byteLength;
    }
  }
  return {
    families: commits.flatMap((commit) => commit.families),
    series: commits.flatMap((commit) => commit.series),
    samples,
  };
}
