import type { Logger } from 'pino';
import type { MetricCategory } from '../domain/metric.js';
import type { IngestSample } from '../ingest/sample-schema.js';
import type { ForwardedBatch, SampleForwarder } from './sample-forwarder.js';

/**
 * Where the service's own samples go (collectors, health-check recorder): the ingest path itself, or, on
 * a follower, the forwarder. `IngestService` is one; the embedded mode hands it over as is.
 */
export interface SampleSink {
  ingest(
    samples: readonly IngestSample[],
    category: MetricCategory,
  ): Promise<{ rejected: readonly unknown[] }>;
}

/**
 * A replica's sink: writes locally while it is the primary, queues for the primary while it follows
 * (ADR 0026). A queued sample counts as accepted here; what the primary refuses is counted there.
 */
export class RoutedSampleSink implements SampleSink {
  private local = false;

  constructor(
    private readonly writer: SampleSink,
    private readonly forwarder: SampleForwarder,
    private readonly log: Logger,
  ) {}

  ingest(
    samples: readonly IngestSample[],
    category: MetricCategory,
  ): Promise<{ rejected: readonly unknown[] }> {
    if (this.local) return this.writer.ingest(samples, category);
    this.forwarder.enqueue(samples, category);
    return Promise.resolve({ rejected: [] });
  }

  /**
   * Promotion: stop forwarding and write what was queued here, oldest first, before the samples taken
   * from now on (a series' older samples after its newer ones would be refused as out of order).
   */
  async writeLocally(): Promise<void> {
    await this.forwarder.stop();
    await this.drain();
    this.local = true;
    // Queued while the first drain ran: older than anything written locally from now on.
    await this.drain();
  }

  /** Demotion (or the first start as a follower): queue for the primary again. */
  forward(): void {
    this.local = false;
    this.forwarder.start();
  }

  private async drain(): Promise<void> {
    for (const batch of merged(this.forwarder.takeQueued())) {
      try {
        const { rejected } = await this.writer.ingest(batch.samples, batch.category);
        if (rejected.length > 0)
          this.log.debug({ rejected: rejected.length }, 'queued own samples refused after promotion');
      } catch (error) {
        this.log.warn({ err: error, samples: batch.samples.length }, 'queued own samples lost at promotion');
      }
    }
  }
}

/** Consecutive batches of one category as one (one write-ahead commit each instead of one per tick). */
function merged(batches: readonly ForwardedBatch[]): ForwardedBatch[] {
  const out: ForwardedBatch[] = [];
  for (const batch of batches) {
    const last = out.at(-1);
    if (last?.category === batch.category) last.samples = [...last.samples, ...batch.samples];
    else out.push({ category: batch.category, samples: batch.samples });
  }
  return out;
}
