import { DomainError, type Rejection } from '../domain/errors.js';
import type { MetricCategory } from '../domain/metric.js';
import type { Appender } from '../tsdb/appender.js';
import type { LabelSetView } from '../tsdb/read-port.js';
import { SeriesOrder } from '../tsdb/series-order.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { AcceptedSamples, type AcceptedSample } from './accepted-samples.js';
import { stageKnownBatch, type KnownBatch } from './ingest-known.js';
import type { IngestLimits } from './limits.js';
import type { ResolveContext } from './resolve-sample.js';
import type { IngestSample } from './sample-schema.js';
import { stageSample } from './stage-sample.js';

export interface RejectedItem extends Rejection {
  index: number;
}

export type { AcceptedSample } from './accepted-samples.js';

export interface IngestOutcome {
  accepted: AcceptedSample[];
  rejected: RejectedItem[];
}

/**
 * What an ingest answers: the count of accepted samples at once, their objects (`accepted`) built on
 * first read, for the callers that answer or keep something per sample (see AcceptedSamples).
 */
export class StagedOutcome implements IngestOutcome {
  private built: AcceptedSample[] | undefined;

  constructor(
    private readonly staged: AcceptedSamples,
    readonly rejected: RejectedItem[],
  ) {}

  get acceptedCount(): number {
    return this.staged.count;
  }

  /** Each accepted sample's item index and label set, without building the objects of `accepted`. */
  forEachAccepted(visit: (index: number, set: LabelSetView) => void): void {
    this.staged.forEach(visit);
  }

  get accepted(): AcceptedSample[] {
    return (this.built ??= this.staged.toArray());
  }
}

export interface IngestDeps {
  tsdb: Tsdb;
  limits: IngestLimits;
  isReservedName: (name: string, category: MetricCategory) => boolean;
  clock?: () => number;
  /** Told after every durable write (realtime and alerting listen here). */
  onAccepted?: (accepted: AcceptedSamples) => void;
}

/**
 * The write path: validate → limits → the TSDB's appender → one durable store write → memory.
 * Nothing is visible or counted before the store has accepted the request's write-ahead record, and a
 * refused write leaves the TSDB as it was.
 */
export class IngestService {
  private readonly clock: () => number;
  /** Each category's prediction of a sender's next label set (see SeriesOrder), kept across requests. */
  private readonly orders = new Map<MetricCategory, SeriesOrder>();

  constructor(private readonly deps: IngestDeps) {
    this.clock = deps.clock ?? Date.now;
  }

  /**
   * Ingests samples that already passed the schema (or carry their schema error in `preRejected`).
   * Items are applied in timestamp order, so an unsorted historical batch is not refused as out of order.
   */
  ingest(
    samples: readonly (IngestSample | undefined)[],
    category: MetricCategory,
    preRejected: readonly RejectedItem[] = [],
  ): Promise<StagedOutcome> {
    return this.deps.tsdb.append(this.clock, samples.length, (app) =>
      this.ingestWith(app, samples, category, preRejected),
    );
  }

  /**
   * Ingests a batch whose sender knows the label sets of most of its samples (remote write): see
   * KnownBatch. The same durability, limits, order checks and refusals as ingest(); indexes in the
   * outcome are the batch's (known samples first).
   */
  ingestKnown(batch: KnownBatch, category: MetricCategory): Promise<StagedOutcome> {
    const expected = batch.sets.length + batch.samples.length;
    return this.deps.tsdb.append(this.clock, expected, async (app) => {
      const ctx = this.resolveContext(app, category);
      const { accepted, rejected } = stageKnownBatch(app, batch, ctx);
      if (accepted.count > 0) await this.commit(app, accepted);
      return new StagedOutcome(accepted, inIndexOrder(rejected));
    });
  }

  private resolveContext(app: Appender, category: MetricCategory): ResolveContext {
    const { limits, isReservedName } = this.deps;
    let order = this.orders.get(category);
    if (order === undefined) this.orders.set(category, (order = new SeriesOrder()));
    return { app, limits, category, isReservedName, families: new Map(), order, previous: null };
  }

  private async commit(app: Appender, accepted: AcceptedSamples): Promise<void> {
    try {
      await app.commit();
    } catch (error) {
      // A store that says why (PostgreSQL gone: 503 store_unavailable) keeps its own answer.
      if (error instanceof DomainError) throw error;
      throw new DomainError('storage_unavailable', 503, `the store refused the write: ${String(error)}`);
    }
    this.deps.onAccepted?.(accepted);
  }

  private async ingestWith(
    app: Appender,
    samples: readonly (IngestSample | undefined)[],
    category: MetricCategory,
    preRejected: readonly RejectedItem[],
  ): Promise<StagedOutcome> {
    const now = app.now;
    const ctx = this.resolveContext(app, category);
    const rejected: RejectedItem[] = [...preRejected];
    const accepted = new AcceptedSamples(samples.length);

    for (const index of timeOrder(samples, now)) {
      const refused = stageSample(app, samples[index]!, index, ctx, accepted);
      if (refused !== undefined) rejected.push(refused);
    }

    if (accepted.count > 0) await this.commit(app, accepted);
    return new StagedOutcome(accepted, inIndexOrder(rejected));
  }
}

/**
 * Sample indexes sorted by timestamp (stable), so a batch's own order never causes an out-of-order refusal.
 * Each timestamp is read once; a batch already in time order (the usual case: one time, or a sender's
 * series in order) is not sorted at all.
 */
function timeOrder(samples: readonly (IngestSample | undefined)[], now: number): Uint32Array {
  // Sized once: an array grown by push reallocated itself a few times per batch.
  const all = new Uint32Array(samples.length);
  let count = 0;
  let keys: Float64Array | undefined;
  let sorted = true;
  let previous = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < samples.length; index++) {
    const sample = samples[index];
    if (sample === undefined) continue;
    all[count++] = index;
    const ts = sample.timestamp;
    if (ts === undefined && keys === undefined) continue;
    if (keys === undefined) {
      keys = new Float64Array(samples.length).fill(now);
      if (count > 1) previous = now; // the samples before this one, without a timestamp
    }
    const t = ts === undefined ? now : typeof ts === 'number' ? ts : Date.parse(ts);
    keys[index] = Number.isNaN(t) ? now : t;
    if (keys[index]! < previous) sorted = false;
    previous = keys[index]!;
  }
  const indexes = all.subarray(0, count);
  if (sorted || keys === undefined) return indexes;
  const at = keys;
  return indexes.sort((a, b) => at[a]! - at[b]! || a - b);
}

/** Items sorted by index: usually already are (samples are applied in time order), and a sort allocates. */
function inIndexOrder<T extends { index: number }>(items: T[]): T[] {
  for (let i = 1; i < items.length; i++) {
    if (items[i - 1]!.index > items[i]!.index) return items.sort((a, b) => a.index - b.index);
  }
  return items;
}
