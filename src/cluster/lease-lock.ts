import type { Client } from 'pg';
import type { Logger } from 'pino';

/**
 * Server-side settings of the lock session: PostgreSQL notices a vanished client host in ~5 s (2 s idle,
 * then 3 unanswered probes 1 s apart) instead of the kernel's 2 h, and never ends the session for being
 * idle. A paused process's kernel still answers the probes, so a paused holder keeps the lock (the lease
 * row's expiry deposes it). Each is set alone: an older server without one still gets the others.
 */
const SESSION_SETTINGS = [
  'SET tcp_keepalives_idle = 2',
  'SET tcp_keepalives_interval = 1',
  'SET tcp_keepalives_count = 3',
  'SET idle_session_timeout = 0',
];

export interface LeaseLockOptions {
  /** The lock's key (a bigint, as text). */
  key: string;
  /** Opens a connection of its own (never a pooled one: the lock lives as long as the session). */
  connect: () => Promise<Client>;
  /** How often to try for the lock while another session holds it. */
  pollMs: number;
  log: Logger;
  /**
   * The lock was just taken: resolve true to keep it (this process holds or has just taken the lease),
   * false to let it go at once (the lease's holder is alive, see PgLease.takeOver).
   */
  gained: () => Promise<boolean>;
  /** The session holding the lock ended while this process lives: the lock is free for others now. */
  dropped: () => void;
}

/**
 * A PostgreSQL session advisory lock on a connection of its own, tried for every `pollMs` until taken.
 * PostgreSQL frees it the moment the holder's session ends, which a killed process's closed socket does at
 * once: whoever takes it next knows the previous holder's session is gone. One `pg_try_advisory_lock` per
 * poll per replica is the whole cost (a few microseconds of the server's time).
 */
export class LeaseLock {
  private client: Client | undefined;
  private held = false;
  private timer: NodeJS.Timeout | undefined;
  private polling: Promise<void> | undefined;
  private stopped = true;

  constructor(private readonly options: LeaseLockOptions) {}

  get isHeld(): boolean {
    return this.held;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.poll(), this.options.pollMs);
    this.timer.unref();
    void this.poll();
  }

  /** One try now (waits for one in flight). */
  async poll(): Promise<void> {
    if (this.polling !== undefined) return this.polling;
    this.polling = this.attempt().finally(() => {
      this.polling = undefined;
    });
    return this.polling;
  }

  /**
   * Lets the lock go (the lease was lost) unless `keep()` says otherwise once the try in flight is over
   * (it may have just taken the lease anew); a failed unlock ends the session, which frees it too.
   */
  async release(keep: () => boolean = () => false): Promise<void> {
    await this.polling;
    if (!this.held || keep()) return;
    this.held = false;
    const client = this.client;
    try {
      await client?.query('SELECT pg_advisory_unlock($1::bigint)', [this.options.key]);
    } catch {
      this.close();
    }
  }

  /** Stops trying and ends the session (freeing the lock if held). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.polling;
    this.held = false;
    const client = this.client;
    this.client = undefined;
    await client?.end().catch(() => undefined);
  }

  private async attempt(): Promise<void> {
    if (this.stopped || this.held) return;
    try {
      const client = this.client ?? (await this.open());
      const { rows } = await client.query<{ locked: boolean }>(
        'SELECT pg_try_advisory_lock($1::bigint) AS locked',
        [this.options.key],
      );
      if (rows[0]?.locked !== true) return;
      this.held = true;
      if (!(await this.options.gained().catch(() => false))) {
        this.held = false;
        await client.query('SELECT pg_advisory_unlock($1::bigint)', [this.options.key]);
      }
    } catch (error) {
      this.options.log.warn({ err: error }, 'lease lock: PostgreSQL unreachable');
      this.close();
    }
  }

  private async open(): Promise<Client> {
    const client = await this.options.connect();
    client.on('error', (error: Error) => {
      this.options.log.warn({ err: error }, 'lease lock: session lost');
      if (this.client === client) this.close();
    });
    client.on('end', () => {
      if (this.client === client) this.close();
    });
    for (const setting of SESSION_SETTINGS) await client.query(setting).catch(() => undefined);
    if (this.stopped) {
      await client.end().catch(() => undefined);
      throw new Error('stopped');
    }
    this.client = client;
    return client;
  }

  /** Ends the session; if it held the lock, tells the owner (PostgreSQL has freed it). */
  private close(): void {
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
    if (!this.held) return;
    this.held = false;
    this.options.dropped();
  }
}
