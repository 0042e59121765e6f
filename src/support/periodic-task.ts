import type { Logger } from 'pino';

/**
 * A background loop with the lifecycle every loop of the service shares: start / flush / stop.
 * A tick never overlaps the previous one (it is skipped), never rejects (errors are logged), and its
 * timer is unref'd so it never keeps the process alive on its own.
 */
export class PeriodicTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    readonly name: string,
    private readonly intervalMs: number,
    private readonly tick: () => Promise<void>,
    private readonly log: Logger,
  ) {}

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs a tick now (waiting for one in progress first). */
  async flush(): Promise<void> {
    if (this.running !== undefined) await this.running;
    await this.runOnce();
  }

  /** Stops the timer and waits for a tick in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.running !== undefined) await this.running;
  }

  private runOnce(): Promise<void> {
    if (this.running !== undefined) return this.running;
    const run = (async () => {
      try {
        await this.tick();
      } catch (error) {
        this.log.error({ err: error, task: this.name }, 'background task failed');
      } finally {
        this.running = undefined;
      }
    })();
    this.running = run;
    return run;
  }
}

/** Yields to the event loop so a long job done in slices never stalls requests. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
