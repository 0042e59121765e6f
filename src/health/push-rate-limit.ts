/**
 * Heartbeats per push monitor and minute (fixed windows): a looping job cannot fill the history or the
 * store. The guard's per-address rate limit applies before this, to every caller including wrong tokens.
 */
export class PushRateLimit {
  private readonly windows = new Map<string, { minute: number; count: number }>();

  constructor(private readonly perMinute: number) {}

  /** Counts one heartbeat; false when the monitor's minute is already full. */
  take(service: string, now: number): boolean {
    const minute = Math.floor(now / 60_000);
    const window = this.windows.get(service);
    if (window?.minute !== minute) {
      if (this.windows.size > 100_000) this.windows.clear(); // only old windows would be lost
      this.windows.set(service, { minute, count: 1 });
      return true;
    }
    window.count++;
    return window.count <= this.perMinute;
  }
}
