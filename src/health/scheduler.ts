import { performance } from 'node:perf_hooks';

export interface SchedulerOptions {
  /** Checks running at once; the rest wait in arrival order. */
  concurrency: number;
  /** Told how late each check started against its schedule (ms), for the lateness histogram. */
  onLateness?: (ms: number) => void;
  clock?: () => number;
}

interface Job {
  key: string;
  due: number;
  timer: NodeJS.Timeout | undefined;
  /** Waiting for a slot or running: a due time that comes meanwhile is skipped, never stacked. */
  busy: boolean;
}

/**
 * Runs one job per key on its own schedule. Keys start at a phase derived from the key inside their
 * interval, so 10,000 services added at once spread over the interval instead of firing together; at most
 * `concurrency` run at once, so a burst queues instead of opening thousands of sockets; and each job only
 * holds its own slot, so one slow target (bounded by its timeout) never delays the others' schedules.
 */
export class CheckScheduler {
  private readonly jobs = new Map<string, Job>();
  private readonly waiting: Job[] = [];
  private running = 0;
  private stopped = false;
  private readonly clock: () => number;

  constructor(
    private readonly run: (key: string) => Promise<number>,
    private readonly options: SchedulerOptions,
  ) {
    this.clock = options.clock ?? (() => performance.timeOrigin + performance.now());
  }

  /** Schedules `key` (replacing an earlier schedule), first at `firstDelayMs` or at its phase of `intervalMs`. */
  add(key: string, intervalMs: number, firstDelayMs?: number): void {
    this.remove(key);
    const delay = firstDelayMs ?? phaseOf(key, intervalMs);
    const job: Job = { key, due: this.clock() + delay, timer: undefined, busy: false };
    this.jobs.set(key, job);
    this.arm(job);
  }

  remove(key: string): void {
    const job = this.jobs.get(key);
    if (job === undefined) return;
    clearTimeout(job.timer);
    this.jobs.delete(key);
  }

  get size(): number {
    return this.jobs.size;
  }

  /** Checks waiting for a free slot right now. */
  get queued(): number {
    return this.waiting.length;
  }

  stop(): void {
    this.stopped = true;
    for (const job of this.jobs.values()) clearTimeout(job.timer);
    this.waiting.length = 0;
  }

  private arm(job: Job): void {
    if (this.stopped) return;
    job.timer = setTimeout(
      () => {
        this.fire(job);
      },
      Math.max(0, job.due - this.clock()),
    );
    job.timer.unref();
  }

  private fire(job: Job): void {
    if (this.jobs.get(job.key) !== job || job.busy) return;
    job.busy = true;
    this.waiting.push(job);
    this.drain();
  }

  private drain(): void {
    while (this.running < this.options.concurrency && this.waiting.length > 0) {
      const job = this.waiting.shift()!;
      this.running++;
      this.options.onLateness?.(Math.max(0, this.clock() - job.due));
      void this.execute(job);
    }
  }

  private async execute(job: Job): Promise<void> {
    let nextInMs: number;
    try {
      nextInMs = await this.run(job.key);
    } catch {
      nextInMs = 1000; // run() reports its own errors; never lose the schedule
    }
    this.running--;
    job.busy = false;
    if (this.jobs.get(job.key) === job) {
      // The next due time follows the schedule, not the end of this check, so checks do not drift;
      // after a long stall it restarts from now instead of firing a backlog.
      const now = this.clock();
      job.due = Math.max(job.due + nextInMs, now);
      this.arm(job);
    }
    this.drain();
  }
}

/** A stable offset in [0, interval) from the key (FNV-1a), so a restart keeps each service's phase. */
export function phaseOf(key: string, intervalMs: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % Math.max(1, intervalMs);
}
