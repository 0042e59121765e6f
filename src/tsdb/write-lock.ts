/**
 * Serialises the write path: an ingest computes new values from current ones, commits them and applies
 * them; a checkpoint reads the write-ahead high-water mark and the dirty heads. Neither may interleave
 * with another across an await (an async store such as PostgreSQL would otherwise lose updates).
 *
 * An ingest holds the lock only while it stages: it then hands its commit to the group commit (ADR 0029)
 * and lets the next ingest stage while the store writes. Every other holder (`run`) first waits for the
 * commits handed off before it, so a checkpoint, a deletion or a follower's step still sees every
 * earlier write durable and applied, as if the ingests had held the lock to the end.
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();
  private readonly handedOff = new Set<Promise<unknown>>();

  /** Runs `work` alone: after every holder before it, and after every commit they handed off. */
  async run<T>(work: () => Promise<T> | T): Promise<T> {
    const release = await this.acquire();
    try {
      await this.settled();
      return await work();
    } finally {
      release();
    }
  }

  /** Takes the lock when the holders before have released it; the function returned releases it (once). */
  acquire(): Promise<() => void> {
    let free: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      free = resolve;
    });
    const turn = this.tail;
    this.tail = turn.then(() => held);
    return turn.then(() => free);
  }

  /** Work a holder started and lets finish after releasing the lock: the next `run` waits for it. */
  handOff(work: Promise<unknown>): void {
    const settled: Promise<unknown> = work
      .catch(() => undefined)
      .finally(() => {
        this.handedOff.delete(settled);
      });
    this.handedOff.add(settled);
  }

  private async settled(): Promise<void> {
    while (this.handedOff.size > 0) await Promise.all([...this.handedOff]);
  }
}
