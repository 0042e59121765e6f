import { DomainError } from '../../domain/errors.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { OwnMetrics } from '../../telemetry/own-metrics.js';
import type { OtlpRequest } from './codec.js';
import { StartTimes } from './start-times.js';
import { translate } from './translate.js';

export interface OtlpReceiverDeps {
  ingest: IngestService;
  own: OwnMetrics;
  /** OTLP_METRIC_SUFFIXES */
  suffixes: boolean;
  /** OTLP_PROMOTE_RESOURCE_ATTRIBUTES */
  promote: readonly string[];
  /** MAX_BATCH_SAMPLES: the most data points one request may carry. */
  maxDataPoints: number;
}

/** What OTLP's ExportMetricsServiceResponse reports: refused points, with the reasons for a person. */
export interface OtlpOutcome {
  points: number;
  rejectedDataPoints: number;
  errorMessage: string;
}

/** How many distinct reasons the error message lists before "…and n more". */
const MAX_REASONS = 8;

/**
 * OTLP metrics into the write path: translated to samples, ingested in one call (one durable write, rules
 * evaluated on arrival as for every ingest), the refusals counted per data point as OTLP's partial
 * success wants them. A point maps to one sample, so a refused point stores nothing.
 */
export class OtlpReceiver {
  private readonly starts = new StartTimes();
  private readonly promote: ReadonlySet<string>;

  constructor(private readonly deps: OtlpReceiverDeps) {
    this.promote = new Set(deps.promote);
  }

  async receive(request: OtlpRequest): Promise<OtlpOutcome> {
    // Counted before translating: a body of tiny points must not cost a translation of them all first.
    const points = countPoints(request);
    if (points > this.deps.maxDataPoints) {
      throw new DomainError(
        'too_many_samples',
        413,
        `at most ${this.deps.maxDataPoints} data points per request (MAX_BATCH_SAMPLES); this one has ${points}: export more often or in smaller batches`,
        'resourceMetrics',
      );
    }
    const translation = translate(request, {
      suffixes: this.deps.suffixes,
      promote: this.promote,
      starts: this.starts,
    });
    const { samples, pointOf } = translation;
    const outcome =
      samples.length === 0
        ? { accepted: [], rejected: [] }
        : await this.deps.ingest.ingest(samples, 'custom');

    const reasons = new Map<string, number>();
    const refusedPoints = new Set<number>();
    const note = (reason: string) => reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    for (const refused of translation.refused) {
      refusedPoints.add(refused.point);
      note(`${refused.metric}: ${refused.reason}`);
    }
    for (const rejected of outcome.rejected) {
      const sample = samples[rejected.index]!;
      const point = pointOf[rejected.index]!;
      if (point >= 0) {
        refusedPoints.add(point);
        note(`${sample.name}: ${rejected.reason}`);
        this.deps.own.samplesRejected.inc({ code: rejected.code });
      } else if (sample.name === 'target_info') {
        // Not a data point, but the resource's attributes were lost: say so.
        note(`target_info: ${rejected.reason}`);
      }
      // The zero written at a counter's start is refused when older than what is stored: nothing lost.
    }
    const acceptedPoints = outcome.accepted.filter((a) => pointOf[a.index]! >= 0).length;
    if (acceptedPoints > 0) this.deps.own.samplesIngested.inc({ category: 'custom' }, acceptedPoints);
    for (let i = 0; i < translation.refused.length; i++) {
      this.deps.own.samplesRejected.inc({ code: 'validation_failed' });
    }
    return {
      points: translation.points,
      rejectedDataPoints: refusedPoints.size,
      errorMessage: describeReasons(reasons, refusedPoints.size, translation.points),
    };
  }
}

function countPoints(request: OtlpRequest): number {
  let points = 0;
  for (const rm of request.resourceMetrics) {
    for (const sm of rm.scopeMetrics) {
      for (const metric of sm.metrics) {
        const data = metric.data === undefined ? undefined : metric[metric.data];
        points += data?.dataPoints.length ?? 0;
      }
    }
  }
  return points;
}

function describeReasons(reasons: ReadonlyMap<string, number>, refused: number, points: number): string {
  if (reasons.size === 0) return '';
  const listed = [...reasons]
    .slice(0, MAX_REASONS)
    .map(([reason, count]) => (count > 1 ? `${reason} (×${count})` : reason));
  const more = reasons.size > MAX_REASONS ? `; …and ${reasons.size - MAX_REASONS} more reasons` : '';
  return `${refused} of ${points} data points refused: ${listed.join('; ')}${more}`;
}
