import type { Rejection } from '../domain/errors.js';
import type { Appender } from '../tsdb/appender.js';
import type { LabelSetView } from '../tsdb/read-port.js';
import { AcceptedSamples } from './accepted-samples.js';
import type { RejectedItem } from './ingest-service.js';
import type { ResolveContext } from './resolve-sample.js';
import type { IngestSample } from './sample-schema.js';
import { outOfOrder, stageSample } from './stage-sample.js';

/**
 * A request whose sender resolved most of its series before (remote write remembers, per series, the label
 * set its last sample went to): those samples go to their set directly, as columns (no object per
 * sample). Item i < sets.length is known sample i; the others follow as `samples`, ingested as
 * `IngestService.ingest` does. A known set must hold counters' running totals or gauges' values (what an
 * exporter sends: a counter's value is its total, not an increment).
 */
export interface KnownBatch {
  /** The label set an earlier ingest accepted the series into (its AcceptedSample.set). */
  sets: readonly LabelSetView[];
  values: readonly number[];
  /** ms since the epoch. */
  timestamps: readonly number[];
  /** The family's HELP text and unit as the sender describes them now (undefined keeps them). */
  help: readonly (string | undefined)[];
  unit: readonly (string | undefined)[];
  samples: readonly IngestSample[];
  /**
   * What known sample i is as a new sample, or why it cannot be one: asked, under the write lock, when its
   * set is no longer the registry's (deleted, expired, its family re-created with another type, the
   * registry reloaded by a follower), so the sample is resolved as if the sender had not been known.
   */
  asSample(i: number): IngestSample | Rejection;
}

/**
 * Stages a KnownBatch on the appender: the same checks, limits, order and refusals as the ingest path
 * (stageSample), minus the family and label-set lookups for a known set, which is only
 * checked to still be current. A known set was found by exactly that lookup before, with the same name,
 * category (whose reserved names are fixed prefixes) and labels, so looking it up again finds it.
 */
export function stageKnownBatch(
  app: Appender,
  batch: KnownBatch,
  ctx: ResolveContext,
): { accepted: AcceptedSamples; rejected: RejectedItem[] } {
  const now = app.now;
  const { limits } = ctx;
  const known = batch.sets.length;
  const accepted = new AcceptedSamples(known + batch.samples.length);
  const rejected: RejectedItem[] = [];
  const oldest = now - limits.retentionMs;
  const newest = now + limits.maxFutureMs;
  const order = batchTimeOrder(batch, now);
  const total = known + batch.samples.length;
  for (let at = 0; at < total; at++) {
    const index = order === undefined ? at : order[at]!;
    if (index < known) {
      const set = batch.sets[index]!;
      const timestamp = batch.timestamps[index]!;
      const value = batch.values[index]!;
      // Anything but the usual case (a current set, a time within bounds, a valid value) is resolved as a
      // new sample below, which refuses it with the ingest path's own words.
      if (app.isCurrent(set) && timestamp >= oldest && timestamp <= newest && validValue(set, value)) {
        const t = Math.round(timestamp);
        if (!app.append(set, t, value)) {
          rejected.push({ index, ...outOfOrder(app.lastT(set)) });
          continue;
        }
        app.describe(set.family, batch.help[index], batch.unit[index]);
        accepted.add(index, set, t);
        continue;
      }
    }
    const sample = index < known ? batch.asSample(index) : batch.samples[index - known]!;
    if ('code' in sample) {
      rejected.push({ index, ...sample });
      continue;
    }
    const refused = stageSample(app, sample, index, ctx, accepted);
    if (refused !== undefined) rejected.push(refused);
  }
  return { accepted, rejected };
}

/** A gauge holds any value; a counter's total is finite and ≥ 0 (cumulativeRejection's rule). */
function validValue(set: LabelSetView, value: number): boolean {
  const type = set.family.def.type;
  return type === 'gauge' || (type === 'counter' && Number.isFinite(value) && value >= 0);
}

/**
 * The batch's item indexes in timestamp order (stable), as the ingest path applies a request, so the
 * batch's own order never causes an out-of-order refusal; undefined when the items already are in time
 * order, known samples first (the usual case: one timestamp per request, or each series in order).
 */
function batchTimeOrder(batch: KnownBatch, now: number): number[] | undefined {
  const known = batch.sets.length;
  const total = known + batch.samples.length;
  const timeOf = (i: number): number =>
    i < known ? batch.timestamps[i]! : timeKey(batch.samples[i - known]!, now);
  let previous = Number.NEGATIVE_INFINITY;
  let sorted = true;
  for (let i = 0; i < total && sorted; i++) {
    const t = timeOf(i);
    sorted = t >= previous;
    previous = t;
  }
  if (sorted) return undefined;
  const keys = Float64Array.from({ length: total }, (_, i) => timeOf(i));
  const indexes = Array.from({ length: total }, (_, i) => i);
  return indexes.sort((a, b) => keys[a]! - keys[b]! || a - b);
}

/** A sample's timestamp for ordering: now without one, or without a usable one (as the ingest path). */
function timeKey(sample: IngestSample, now: number): number {
  const ts = sample.timestamp;
  const t = ts === undefined ? now : typeof ts === 'number' ? ts : Date.parse(ts);
  return Number.isNaN(t) ? now : t;
}
