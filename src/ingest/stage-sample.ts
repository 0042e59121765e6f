import { rejection, type Rejection } from '../domain/errors.js';
import type { Appender } from '../tsdb/appender.js';
import type { LabelSetView } from '../tsdb/read-port.js';
import type { AcceptedSamples } from './accepted-samples.js';
import type { RejectedItem } from './ingest-service.js';
import { resolveLabelSet, type ResolveContext } from './resolve-sample.js';
import type { IngestSample } from './sample-schema.js';
import { cumulativeRejection, nextScalar, nextValues, sampleTime, valueRejection } from './sample-values.js';

/**
 * One sample of a request on the appender (under the write lock): its time within bounds, its label set
 * found or created within the limits, its value valid for the type, then staged in time order and added
 * to `accepted`; or why it is refused. The one per-sample step of every ingest path (IngestService.ingest
 * and remote write's known-series batches).
 */
export function stageSample(
  app: Appender,
  sample: IngestSample,
  index: number,
  ctx: ResolveContext,
  accepted: AcceptedSamples,
): RejectedItem | undefined {
  const t = sampleTime(sample, app.now, ctx.limits);
  if (typeof t !== 'number') return { index, ...t };
  const set = resolveLabelSet(sample, ctx);
  if (!('ids' in set)) return { index, ...set };
  // Collectors' bucketed observations and exporters' histogram states carry no value of their own.
  const badValue =
    sample.cumulative !== undefined
      ? cumulativeRejection(set, sample)
      : sample.observations === undefined
        ? valueRejection(set.family.def.type, sample.value)
        : undefined;
  if (badValue !== undefined) return { index, ...badValue };
  if (!stage(app, set, t, sample)) return { index, ...outOfOrder(app.lastT(set)) };
  app.describe(set.family, sample.help, sample.unit);
  accepted.add(index, set, t);
  return undefined;
}

/**
 * Stages the set's values after the sample (counters add, gauges set, histograms observe); false, with
 * nothing staged, when the sample is older than the set's newest.
 */
function stage(app: Appender, set: LabelSetView, t: number, sample: IngestSample): boolean {
  const type = set.family.def.type;
  if (type !== 'histogram') {
    // A counter's sample is an increment, unless it is an exporter's running total (cumulative).
    const combine = type === 'counter' && sample.cumulative === undefined ? addIncrement : undefined;
    return app.append(set, t, sample.value, combine);
  }
  if (t < app.lastT(set)) return false; // before computing: nextValues allocates
  return app.appendAll(set, t, nextValues(set, app.currentValues(set), sample));
}

function addIncrement(current: number, increment: number): number {
  return nextScalar('counter', current, increment);
}

export function outOfOrder(lastT: number): Rejection {
  return rejection(
    'out_of_order_sample',
    `series already has a sample at ${new Date(lastT).toISOString()}; samples of a series must arrive in time order`,
    'timestamp',
  );
}
