/**
 * A small client that pushes custom and business metrics to metrics-service's batch API. It queues
 * samples in memory and sends them in batches; when the service is down or overloaded it retries with
 * exponential back-off and jitter (honouring Retry-After), and when its queue is full it drops the oldest
 * samples and counts them. It never throws into the host app, never blocks it, and its timer never keeps
 * the process alive. Losses are never silent: a refusal that retrying cannot heal (401/403 without a valid
 * `token`, 404 for a wrong `url`, 413) and a full queue are said once each, through `onError` or else the
 * `logger`.
 */

export interface PushSample {
  name: string;
  type: 'counter' | 'gauge' | 'histogram';
  value: number;
  labels?: Record<string, string>;
  /** ms since the epoch; set when the sample is queued, so a late delivery keeps the right time. */
  timestamp?: number;
  help?: string;
  unit?: string;
  buckets?: number[];
}

export interface MetricsClientOptions {
  /** Base URL of metrics-service, e.g. http://metrics-service:3000. */
  url: string;
  /**
   * Sent as `Authorization: Bearer <token>`: an API token with the `ingest` scope (`POST /api/auth/tokens`).
   * Needed by any service with authentication on, its default: without it every push is refused (401).
   */
  token?: string;
  /** Where new metrics are filed on the service: custom (default) or business. */
  category?: 'custom' | 'business';
  /** How often queued samples are sent. Default 5 s. */
  flushIntervalMs?: number;
  /** Samples per request at most. Default 1,000. */
  maxBatchSize?: number;
  /** Samples kept while the service is unreachable; beyond, the oldest are dropped. Default 10,000. */
  maxQueueSize?: number;
  /** Per request. Default 5 s. */
  timeoutMs?: number;
  /** Back-off bounds between failed attempts. Default 1 s to 60 s. */
  minRetryDelayMs?: number;
  maxRetryDelayMs?: number;
  /** Told about every failure (network errors, refusals, refused samples); replaces the logger's warnings. */
  onError?: (error: Error) => void;
  /**
   * Without `onError`, where the losses a user must not miss are written, once each until a push is accepted
   * again: refusals that retrying cannot heal (401, 403, 404, 413…), samples refused as invalid and a full
   * queue. `console` by default; `false` for none. Network errors and 5xx/429, retried, are not written.
   */
  logger?: Pick<Console, 'warn'> | false;
}

export interface MetricsClientStats {
  queued: number;
  sent: number;
  /** Dropped because the queue was full, or refused by the service as invalid. */
  dropped: number;
  rejected: number;
  failedAttempts: number;
}

export class MetricsClient {
  private readonly queue: PushSample[] = [];
  private readonly timer: NodeJS.Timeout;
  private readonly endpoint: string;
  private readonly stats_: MetricsClientStats = {
    queued: 0,
    sent: 0,
    dropped: 0,
    rejected: 0,
    failedAttempts: 0,
  };
  private inFlight: Promise<void> | undefined;
  private retryAt = 0;
  private retryDelay: number;
  private closed = false;
  /** What the logger was told since the last accepted push, so each loss is written once, not per batch. */
  private readonly warned = new Set<string>();

  constructor(private readonly options: MetricsClientOptions) {
    this.endpoint = `${options.url.replace(/\/+$/, '')}/api/metrics/batch`;
    this.retryDelay = options.minRetryDelayMs ?? 1000;
    this.timer = setInterval(() => {
      void this.flush();
    }, options.flushIntervalMs ?? 5000);
    this.timer.unref();
  }

  /** Adds `value` (default 1) to a counter. */
  increment(name: string, labels?: Record<string, string>, value = 1): void {
    this.push({ name, type: 'counter', value, ...(labels === undefined ? {} : { labels }) });
  }

  gauge(name: string, value: number, labels?: Record<string, string>): void {
    this.push({ name, type: 'gauge', value, ...(labels === undefined ? {} : { labels }) });
  }

  /** One observation of a histogram (buckets fixed by the metric's first definition on the service). */
  observe(name: string, value: number, labels?: Record<string, string>, buckets?: number[]): void {
    this.push({
      name,
      type: 'histogram',
      value,
      ...(labels === undefined ? {} : { labels }),
      ...(buckets === undefined ? {} : { buckets }),
    });
  }

  push(sample: PushSample): void {
    if (this.closed) return;
    this.queue.push({ ...sample, timestamp: sample.timestamp ?? Date.now() });
    const max = this.options.maxQueueSize ?? 10_000;
    if (this.queue.length > max) {
      const excess = this.queue.length - max;
      this.queue.splice(0, excess);
      this.stats_.dropped += excess;
      this.warnOnce(
        'queue-full',
        new Error(`metrics-service push client: queue full (${String(max)} samples), dropping the oldest`),
      );
    }
  }

  stats(): MetricsClientStats {
    return { ...this.stats_, queued: this.queue.length };
  }

  /**
   * Sends what is queued, batch after batch, unless a back-off is running. Resolves when done or when a
   * batch failed (it stays queued for the next attempt); never rejects.
   */
  flush(): Promise<void> {
    this.inFlight ??= this.drain().finally(() => {
      this.inFlight = undefined;
    });
    return this.inFlight;
  }

  /** Stops the timer after a last flush; later samples are ignored. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.retryAt = 0;
    await this.flush();
    this.closed = true;
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0 && Date.now() >= this.retryAt) {
      const batch = this.queue.slice(0, this.options.maxBatchSize ?? 1000);
      const outcome = await this.send(batch);
      if (outcome === 'retry') return;
      this.queue.splice(0, batch.length);
    }
  }

  private async send(batch: PushSample[]): Promise<'done' | 'retry'> {
    try {
      const response = await fetch(this.endpoint, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          ...(this.options.token === undefined ? {} : { authorization: `Bearer ${this.options.token}` }),
        },
        body: JSON.stringify({ metrics: batch, category: this.options.category ?? 'custom' }),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
      });
      const text = await response.text();
      if (response.status === 429 || response.status >= 500) {
        return this.backOff(new Error(`metrics-service answered ${String(response.status)}`), response);
      }
      this.retryDelay = this.options.minRetryDelayMs ?? 1000;
      if (response.ok || response.status === 207 || response.status === 422) {
        const rejected = rejectedCount(text);
        this.stats_.sent += batch.length - rejected;
        this.stats_.rejected += rejected;
        // Accepted: earlier refusals are over, and will be said again if they come back.
        for (const key of this.warned) if (key !== 'rejected' || rejected === 0) this.warned.delete(key);
        if (rejected > 0)
          this.warnOnce(
            'rejected',
            new Error(
              `metrics-service refused ${String(rejected)} samples as invalid: ${text.slice(0, 500)}`,
            ),
          );
        return 'done';
      }
      // Anything else (401, 403, 404, 413…) will not get better by retrying the same batch.
      this.stats_.dropped += batch.length;
      this.warnOnce(
        String(response.status),
        new Error(`${refusalHint(response.status, this.endpoint)}: ${text.slice(0, 500)}`),
      );
      return 'done';
    } catch (error) {
      return this.backOff(error instanceof Error ? error : new Error(String(error)));
    }
  }

  private backOff(error: Error, response?: Response): 'retry' {
    this.stats_.failedAttempts++;
    const retryAfter = Number(response?.headers.get('retry-after'));
    const jittered = this.retryDelay * (0.5 + Math.random() / 2);
    this.retryAt =
      Date.now() + (Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : jittered);
    this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxRetryDelayMs ?? 60_000);
    this.report(error);
    return 'retry';
  }

  private report(error: Error): void {
    try {
      this.options.onError?.(error);
    } catch {
      // A throwing error callback must not break the client either.
    }
  }

  /** To `onError` every time (its owner decides), else to the logger once per `key`. */
  private warnOnce(key: string, error: Error): void {
    if (this.options.onError !== undefined) {
      this.report(error);
      return;
    }
    const logger = this.options.logger ?? console;
    if (logger === false || this.warned.has(key)) return;
    this.warned.add(key);
    try {
      logger.warn(error.message);
    } catch {
      // Nor a throwing logger.
    }
  }
}

/** What a refusal means for the user, in words (the samples of the batch are dropped). */
function refusalHint(status: number, endpoint: string): string {
  const lost = `metrics-service refused a push with ${String(status)}, its samples are dropped`;
  if (status === 401)
    return `${lost}: set the client's \`token\` to an API token with the ingest scope (POST /api/auth/tokens)`;
  if (status === 403) return `${lost}: the client's \`token\` lacks the ingest scope`;
  if (status === 404) return `${lost}: is \`url\` the service's base URL? (${endpoint} not found)`;
  return lost;
}

function rejectedCount(body: string): number {
  try {
    const parsed = JSON.parse(body) as { rejected?: unknown[]; extra?: { rejected?: unknown[] } };
    return (parsed.rejected ?? parsed.extra?.rejected ?? []).length;
  } catch {
    return 0;
  }
}
export { heartbeat, type Heartbeat, type HeartbeatOptions } from './heartbeat.js';
