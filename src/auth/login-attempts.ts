/** The answer to a reservation: go ahead and check the password, or wait `retryAfterMs`. */
export type Reservation = { allowed: true } | { allowed: false; retryAfterMs: number };

/**
 * Failed-login counters per user name. A login reserves its attempt BEFORE the password is checked (one
 * atomic step: count it unless the limit is reached), so parallel guesses cannot all pass a check made
 * before any of them failed; a success clears the name, a failure simply keeps its reservation.
 */
export interface LoginAttempts {
  reserve(key: string): Promise<Reservation>;
  /** The password was right: the name's failures are forgotten. */
  clear(key: string): Promise<void>;
  close?(): Promise<void>;
}

/** In-process counters (the embedded mode, and the fallback while Redis is unreachable). */
export class MemoryLoginAttempts implements LoginAttempts {
  private readonly counts = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly clock: () => number = Date.now,
  ) {}

  reserve(key: string): Promise<Reservation> {
    return Promise.resolve(this.reserveNow(key));
  }

  /** Synchronous on purpose: nothing can run between the read and the increment. */
  reserveNow(key: string): Reservation {
    const now = this.clock();
    let entry = this.counts.get(key);
    if (entry !== undefined && now - entry.since >= this.windowMs) entry = undefined;
    if (entry === undefined) {
      this.prune(now);
      this.counts.set(key, { count: 1, since: now });
      return { allowed: true };
    }
    if (entry.count >= this.max) return { allowed: false, retryAfterMs: entry.since + this.windowMs - now };
    entry.count++;
    return { allowed: true };
  }

  clear(key: string): Promise<void> {
    this.counts.delete(key);
    return Promise.resolve();
  }

  /** Expired names are dropped as new ones come, so guessing many names cannot grow the map forever. */
  private prune(now: number): void {
    if (this.counts.size < 10_000) return;
    for (const [key, entry] of this.counts) if (now - entry.since >= this.windowMs) this.counts.delete(key);
  }
}
