/**
 * Serialises the write path: an ingest computes new values from current ones, commits them and applies
 * them; a checkpoint reads the write-ahead high-water mark and the dirty heads. Neither may interleave
 * with another across an await (an async store such as PostgreSQL would otherwise lose updates).
 */
export class WriteLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T> | T): Promise<T> {
    const result = this.tail.then(work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}
