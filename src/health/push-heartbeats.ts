import type { HealthStore, StoredPushBeat } from '../storage/ports.js';
import type { HeartbeatReader } from './probes/probe.js';

export interface Heartbeat {
  at: number;
  status: 'up' | 'down';
  message: string;
  pingMs?: number;
}

interface Watched {
  serviceId: number;
  /** When the monitor was created (ms): a heartbeat older than that belongs to a deleted namesake. */
  createdAt: number;
  /** interval + grace (ms). */
  deadlineMs: number;
  /** Whether this process checks the monitor (always, unless scaled out and another replica has it). */
  checkedHere: boolean;
}

type PushBeatStore = Pick<HealthStore, 'savePushBeat' | 'pushBeat'>;

const toHeartbeat = (b: StoredPushBeat): Heartbeat => ({
  at: b.at,
  status: b.status,
  message: b.message,
  ...(b.pingMs === null ? {} : { pingMs: b.pingMs }),
});

/**
 * Push monitors' heartbeats (ADR 0032). The last one of each monitor is kept in the health store, so it
 * survives a restart and a push received by one replica is read by the replica that checks the monitor
 * (rendezvous assignment picks it, not the load balancer). The process that checks a monitor keeps one
 * timer at its deadline (interval + grace after the newest heartbeat it has seen, whether it received it or
 * read it from the store), which asks for a check then, so DOWN comes on time rather than at the next
 * scheduled check. A heartbeat that changes the outcome (the first, one after silence, `status=down`) asks
 * for a check at once when it reaches the checking process; elsewhere, the next scheduled check reads it.
 */
export class PushHeartbeats implements HeartbeatReader {
  private readonly timers = new Map<string, { timer: NodeJS.Timeout; due: number }>();
  private readonly startedAt: number;

  constructor(
    private readonly store: PushBeatStore,
    private readonly watched: (service: string) => Watched | undefined,
    private readonly onDue: (service: string) => void,
    private readonly clock: () => number = Date.now,
  ) {
    this.startedAt = clock();
  }

  async last(service: string): Promise<Heartbeat | undefined> {
    const watched = this.watched(service);
    if (watched === undefined) return undefined;
    const beat = await this.stored(watched);
    if (beat !== undefined && watched.checkedHere) this.arm(service, beat.at + watched.deadlineMs);
    return beat;
  }

  watchedSince(service: string): number {
    return Math.max(this.startedAt, this.watched(service)?.createdAt ?? 0);
  }

  /** Stores a heartbeat; true when this process checks the monitor and the heartbeat changes the outcome. */
  async record(service: string, beat: Heartbeat): Promise<boolean> {
    const watched = this.watched(service);
    if (watched === undefined) return false;
    const previous = await this.stored(watched);
    await this.store.savePushBeat({
      serviceId: watched.serviceId,
      at: beat.at,
      status: beat.status,
      message: beat.message,
      pingMs: beat.pingMs ?? null,
    });
    if (!watched.checkedHere) return false;
    this.arm(service, beat.at + watched.deadlineMs);
    return (
      previous === undefined || previous.status !== beat.status || beat.at - previous.at > watched.deadlineMs
    );
  }

  forget(service: string): void {
    clearTimeout(this.timers.get(service)?.timer);
    this.timers.delete(service);
  }

  stop(): void {
    for (const { timer } of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async stored(watched: Watched): Promise<Heartbeat | undefined> {
    const beat = await this.store.pushBeat(watched.serviceId);
    return beat === undefined || beat.at < watched.createdAt ? undefined : toHeartbeat(beat);
  }

  /**
   * One timer per push monitor, at the newest deadline seen. A deadline already past arms nothing: the
   * check that read it is the one that says DOWN (and re-arming would loop).
   */
  private arm(service: string, due: number): void {
    const current = this.timers.get(service);
    if (due <= this.clock() || (current !== undefined && current.due >= due)) return;
    clearTimeout(current?.timer);
    // A few ms past the deadline, so the check sees the heartbeat as late, not just on time.
    const timer = setTimeout(
      () => {
        this.timers.delete(service);
        if (this.watched(service)?.checkedHere === true) this.onDue(service);
      },
      due - this.clock() + 20,
    );
    timer.unref();
    this.timers.set(service, { timer, due });
  }
}
