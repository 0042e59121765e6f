import type { Logger } from 'pino';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { MetricCategory } from '../domain/metric.js';
import type { IngestSample } from '../ingest/sample-schema.js';

/** Samples of one category, as one ingest call takes them. */
export interface ForwardedBatch {
  category: MetricCategory;
  samples: IngestSample[];
}

/**
 * Sends one request's batches to the primary under `seq` (the same seq for a retry, so the primary can
 * tell a retry of what it applied). Resolves with the HTTP status; rejects when no primary answered.
 */
export type BatchSender = (
  batches: readonly ForwardedBatch[],
  seq: number,
  signal: AbortSignal,
) => Promise<number>;

export interface SampleForwarderOptions {
  send: BatchSender;
  /** Queued samples beyond this drop the oldest (FORWARD_QUEUE_MAX_SAMPLES). */
  maxQueuedSamples: number;
  /** Samples per request at most (FORWARD_BATCH_MAX_SAMPLES). */
  maxBatchSamples: number;
  /** How long the first queued sample waits for more before a request goes (FORWARD_LINGER). */
  lingerMs: number;
  /** Samples queued longer than this are dropped rather than sent late (FORWARD_MAX_AGE). */
  maxAgeMs: number;
  /** Retry delays double from `minBackoffMs` up to `maxBackoffMs` while the primary cannot be reached. */
  minBackoffMs?: number;
  maxBackoffMs?: number;
  registry: Registry;
  log: Logger;
  clock?: () => number;
}

interface Queued extends ForwardedBatch {
  at: number;
}

interface InFlight {
  seq: number;
  batches: Queued[];
}

type DropReason = 'queue_full' | 'too_old' | 'refused';

/**
 * A follower's own samples (its collectors' series, its share of the health checks) on their way to the
 * primary, the one writer (ADR 0026). Samples are queued in memory, bounded: past the bound the oldest
 * go, and so do samples older than the age limit; each loss is counted in
 * `metrics_service_forwarded_samples_dropped_total{reason}`. These are the replica's own gauges and
 * probe results: losing some during a failover is accepted, blocking the collectors is not.
 *
 * One request at a time, in enqueue order. A failed request (no primary, 5xx, timeout) is retried
 * unchanged (same seq and content) with backoff before anything newer is sent, so the primary can
 * recognise a retry of a request it applied but whose answer was lost. A 4xx other than 408/429 says the
 * request itself is wrong: it is dropped (counted as `refused`) rather than retried forever.
 */
export class SampleForwarder {
  private queue: Queued[] = [];
  private queued = 0;
  private inFlight: InFlight | undefined;
  private seq = 0;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private sending: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private readonly clock: () => number;
  private readonly dropped: Counter<'reason'>;
  private readonly forwarded: Counter;
  private readonly queueGauge: Gauge;

  constructor(private readonly options: SampleForwarderOptions) {
    this.clock = options.clock ?? Date.now;
    this.dropped = new Counter({
      name: 'metrics_service_forwarded_samples_dropped_total',
      help: 'Samples of this follower (collectors, health checks) dropped before the primary acknowledged them.',
      labelNames: ['reason'] as const,
      registers: [options.registry],
    });
    for (const reason of ['queue_full', 'too_old', 'refused'] as const) this.dropped.inc({ reason }, 0);
    this.forwarded = new Counter({
      name: 'metrics_service_forwarded_samples_total',
      help: 'Samples of this follower (collectors, health checks) acknowledged by the primary.',
      registers: [options.registry],
    });
    this.queueGauge = new Gauge({
      name: 'metrics_service_forward_queue_samples',
      help: 'Samples of this follower waiting to be sent to the primary.',
      registers: [options.registry],
      collect: () => {
        this.queueGauge.set(this.queued + (this.inFlight === undefined ? 0 : countOf(this.inFlight.batches)));
      },
    });
  }

  /**
   * Queues samples; never waits for the network. Each gets its timestamp now if it has none, so a sample
   * sent late (a retry, a failover) still says when it was taken.
   */
  enqueue(samples: readonly IngestSample[], category: MetricCategory): void {
    if (samples.length === 0) return;
    const at = this.clock();
    this.queue.push({
      category,
      samples: samples.map((s) => (s.timestamp === undefined ? { ...s, timestamp: at } : s)),
      at,
    });
    this.queued += samples.length;
    while (this.queued > this.options.maxQueuedSamples) {
      const oldest = this.queue.shift()!;
      this.queued -= oldest.samples.length;
      this.drop('queue_full', oldest.samples.length);
    }
    this.schedule();
  }

  start(): void {
    this.running = true;
    this.schedule();
  }

  /** Stops sending: a request in flight is abandoned (its batch stays queued, for takeQueued). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.abort?.abort();
    await this.sending;
  }

  /** Everything not acknowledged, oldest first, and the queue emptied (the replica writes them itself now). */
  takeQueued(): ForwardedBatch[] {
    const taken = [...(this.inFlight?.batches ?? []), ...this.queue].map(({ category, samples }) => ({
      category,
      samples,
    }));
    this.inFlight = undefined;
    this.queue = [];
    this.queued = 0;
    return taken;
  }

  /** Sends what is queued now and waits for the answers (tests, and a follower closing). */
  async flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.sending;
    while (this.running && (this.inFlight !== undefined || this.queue.length > 0)) {
      const failuresBefore = this.failures;
      await this.sendOnce();
      if (this.failures > failuresBefore) break;
    }
    this.schedule();
  }

  private schedule(): void {
    if (!this.running || this.timer !== undefined || this.sending !== undefined) return;
    if (this.inFlight === undefined && this.queue.length === 0) return;
    const oldest = this.inFlight?.batches[0]?.at ?? this.queue[0]!.at;
    const delay =
      this.failures > 0
        ? this.backoff()
        : this.queued >= this.options.maxBatchSamples
          ? 0
          : Math.max(0, oldest + this.options.lingerMs - this.clock());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.sendOnce().then(() => {
        this.schedule();
      });
    }, delay);
    this.timer.unref();
  }

  private backoff(): number {
    const min = this.options.minBackoffMs ?? 100;
    const max = this.options.maxBackoffMs ?? 5000;
    const base = Math.min(max, min * 2 ** Math.min(this.failures - 1, 16));
    // Jitter: followers that lost the same primary do not all knock on the new one at the same instant.
    return base / 2 + Math.random() * (base / 2);
  }

  private sendOnce(): Promise<void> {
    this.sending ??= this.attempt().finally(() => {
      this.sending = undefined;
    });
    return this.sending;
  }

  private async attempt(): Promise<void> {
    this.dropTooOld();
    const request = (this.inFlight ??= this.nextRequest());
    if (request === undefined) return;
    const abort = new AbortController();
    this.abort = abort;
    let status: number | undefined;
    try {
      status = await this.options.send(request.batches, request.seq, abort.signal);
    } catch (error) {
      this.options.log.debug({ err: error }, 'forwarding samples: no primary answered');
    } finally {
      this.abort = undefined;
    }
    // takeQueued() may have taken the batch meanwhile (promotion): it is no longer ours to settle.
    if (this.inFlight !== request) return;
    const samples = countOf(request.batches);
    if (status !== undefined && status >= 200 && status < 300) {
      this.inFlight = undefined;
      this.failures = 0;
      this.forwarded.inc(samples);
    } else if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
      this.inFlight = undefined;
      this.failures = 0;
      this.drop('refused', samples);
      this.options.log.warn({ status, samples }, 'forwarding samples: the primary refused a request');
    } else this.failures++;
  }

  /** The oldest queued samples, up to the batch size (a queued entry larger than that is split). */
  private nextRequest(): InFlight | undefined {
    const batches: Queued[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < this.options.maxBatchSamples) {
      const head = this.queue[0]!;
      const room = this.options.maxBatchSamples - size;
      if (head.samples.length <= room) {
        batches.push(this.queue.shift()!);
        size += head.samples.length;
      } else {
        batches.push({ ...head, samples: head.samples.slice(0, room) });
        head.samples = head.samples.slice(room);
        size += room;
      }
    }
    if (batches.length === 0) return undefined;
    this.queued -= size;
    return { seq: ++this.seq, batches };
  }

  private dropTooOld(): void {
    const cutoff = this.clock() - this.options.maxAgeMs;
    if (this.inFlight !== undefined && this.inFlight.batches[0]!.at < cutoff) {
      this.drop('too_old', countOf(this.inFlight.batches));
      this.inFlight = undefined;
    }
    while (this.queue.length > 0 && this.queue[0]!.at < cutoff) {
      const old = this.queue.shift()!;
      this.queued -= old.samples.length;
      this.drop('too_old', old.samples.length);
    }
  }

  private drop(reason: DropReason, samples: number): void {
    this.dropped.inc({ reason }, samples);
  }
}

function countOf(batches: readonly ForwardedBatch[]): number {
  let n = 0;
  for (const batch of batches) n += batch.samples.length;
  return n;
}
