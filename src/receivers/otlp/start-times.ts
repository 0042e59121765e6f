/**
 * The last start time seen per cumulative series, to tell a restarted exporter from a running one: OTLP
 * says a cumulative point whose start_time_unix_nano moved is a new count from zero, even when its total
 * is already above the last one (a restart followed by a burst). Bounded: past `capacity` series those
 * whose start changed longest ago are forgotten (a forgotten series only loses that finer reset detection).
 */
export class StartTimes {
  private readonly starts = new Map<string, number>();

  constructor(private readonly capacity = 200_000) {}

  /** True when the series had no start time yet or an earlier one: its count restarted at `startMs`. */
  restarted(seriesKey: string, startMs: number): boolean {
    const previous = this.starts.get(seriesKey);
    if (previous === startMs) return false;
    // Delete then set: the entry moves to the end of the Map's order, the least recent stay in front.
    this.starts.delete(seriesKey);
    this.starts.set(seriesKey, startMs);
    if (this.starts.size > this.capacity) {
      const oldest = this.starts.keys().next().value;
      if (oldest !== undefined) this.starts.delete(oldest);
    }
    return previous === undefined || startMs > previous;
  }
}
