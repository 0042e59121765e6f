import type { HeartbeatReader } from './probes/probe.js';

export interface Heartbeat {
  at: number;
  status: 'up' | 'down';
  message: string;
  pingMs?: number;
}

interface Watched {
  /** When the monitor was created (ms): a monitor younger than the process counts from there. */
  createdAt: number;
  /** interval + grace (ms). */
  deadlineMs: number;
}

/**
 * The heartbeats of push monitors, kept in memory (one per service: the last one), and the deadline of
 * each: when no heartbeat follows within interval + grace, `onDue` asks for a check at that moment, so
 * DOWN comes on time rather than at the next scheduled check. A heartbeat that changes the outcome (the
 * first, one after silence, a `status=down`) asks for a check at once too.
 */
export class PushHeartbeats implements HeartbeatReader {
  private readonly beats = new Map<string, Heartbeat>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly startedAt: number;

  constructor(
    private readonly watched: (service: string) => Watched | undefined,
    private readonly onDue: (service: string) => void,
    clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
  }

  last(service: string): Heartbeat | undefined {
    const beat = this.beats.get(service);
    // A heartbeat older than the monitor belongs to a deleted one of the same name.
    return beat !== undefined && beat.at >= (this.watched(service)?.createdAt ?? 0) ? beat : undefined;
  }

  watchedSince(service: string): number {
    return Math.max(this.startedAt, this.watched(service)?.createdAt ?? 0);
  }

  /** Records a heartbeat; true when it changes what the next check says (then check now). */
  record(service: string, beat: Heartbeat): boolean {
    const previous = this.beats.get(service);
    this.beats.set(service, beat);
    const deadlineMs = this.watched(service)?.deadlineMs;
    if (deadlineMs !== undefined) this.arm(service, deadlineMs);
    return (
      previous === undefined || previous.status !== beat.status || beat.at - previous.at > (deadlineMs ?? 0)
    );
  }

  forget(service: string): void {
    this.beats.delete(service);
    clearTimeout(this.timers.get(service));
    this.timers.delete(service);
  }

  stop(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** One timer per push monitor, pushed back by each heartbeat (refresh keeps the same timer object). */
  private arm(service: string, deadlineMs: number): void {
    clearTimeout(this.timers.get(service));
    // A few ms past the deadline, so the check sees the heartbeat as late, not just on time.
    const timer = setTimeout(() => {
      this.timers.delete(service);
      if (this.watched(service) !== undefined) this.onDue(service);
    }, deadlineMs + 20);
    timer.unref();
    this.timers.set(service, timer);
  }
}
