import { yieldToEventLoop } from './periodic-task.js';

/** Units of work (lines rendered, items visited) between two readings of the clock: microseconds apart. */
const UNITS_PER_CLOCK_READING = 64;

/**
 * Cuts a long synchronous job into slices of at most `budgetMs` of work each, with a turn of the event
 * loop between two slices. The budget is time, not a count of items, so the stall stays bounded whatever
 * an item costs (a histogram set is ten lines, a label value can be kilobytes long): a slice overshoots
 * its budget by at most the 64 units done between two readings of the clock.
 */
export class SliceBudget {
  private sliceStarted = performance.now();
  private sinceReading = 0;

  constructor(private readonly budgetMs: number) {}

  /** Counts `units` of work done; true once the current slice has used its budget. */
  spent(units = 1): boolean {
    this.sinceReading += units;
    if (this.sinceReading < UNITS_PER_CLOCK_READING) return false;
    this.sinceReading = 0;
    return performance.now() - this.sliceStarted >= this.budgetMs;
  }

  /** Lets the event loop turn, then starts a new slice. */
  async nextSlice(): Promise<void> {
    await yieldToEventLoop();
    this.sliceStarted = performance.now();
    this.sinceReading = 0;
  }
}
