import { DomainError, type ErrorCode } from '../../domain/errors.js';
import type { MetricType } from '../../domain/metric.js';
import type { IngestService } from '../../ingest/ingest-service.js';
import type { LabelSetView } from '../../tsdb/read-port.js';
import { decodeV2, MalformedRequest } from './codec.js';
import { MetadataCache } from './metadata-cache.js';
import { negotiate, SUPPORTED_CONTENT_TYPES, encodingProblem } from './negotiation.js';
import { DecodedTooLarge, ReusedBytes, unsnappy } from './snappy.js';
import { toSamples, type Translated } from './to-samples.js';
import { SeriesLabelsCache } from './series-labels-cache.js';
import { decodeWriteRequestV1 } from './wire-v1.js';
import type { OwnMetrics } from '../../telemetry/own-metrics.js';

export interface RemoteWriteLimits {
  /** REMOTE_WRITE_MAX_DECODED_BYTES: the decompressed body. (The compressed one is the route's.) */
  maxDecodedBytes: number;
  /** MAX_BATCH_SAMPLES, as for the JSON batch. */
  maxSamples: number;
  /** REMOTE_WRITE_SERIES_CACHE: series whose decoded labels are kept (0: none). */
  seriesCache?: number;
}

export interface RemoteWriteDeps {
  ingest: IngestService;
  existingType: (name: string) => MetricType | undefined;
  limits: RemoteWriteLimits;
  /** Told what was stored and refused, for the service's own metrics. */
  onOutcome?: (accepted: number, rejectedCodes: readonly ErrorCode[]) => void;
}

export interface Written {
  samples: number;
  histograms: number;
  exemplars: number;
}

/** One refused sample or series, as the 400 answer lists them. */
export interface RefusedItem {
  series: string;
  code: string;
  reason: string;
}

export type WriteOutcome =
  | { ok: true; version: '1.0' | '2.0'; written: Written }
  | { ok: false; version: '1.0' | '2.0'; written: Written; refused: number; items: RefusedItem[] };

const LISTED = 10;
const DEFAULT_SERIES_CACHE = 20_000;

/**
 * Prometheus remote write 1.0 and 2.0 into the ingest path. Request-level faults (headers, snappy,
 * protobuf, labels breaking the spec, limits) throw a DomainError and store nothing. Otherwise every valid
 * sample is stored, and what was refused (out of order, too old, limits, native histograms) is reported:
 * the 2.0 spec's partial write, a 4xx so the sender does not retry what cannot succeed.
 */
export class RemoteWriteReceiver {
  readonly metadata = new MetadataCache();
  private readonly seriesLabels: SeriesLabelsCache;
  /** The decompressed body, reused: decoded in the same synchronous step, and nothing decoded points into it. */
  private readonly decompressed = new ReusedBytes();

  constructor(private readonly deps: RemoteWriteDeps) {
    this.seriesLabels = new SeriesLabelsCache(deps.limits.seriesCache ?? DEFAULT_SERIES_CACHE);
  }

  async write(
    body: Uint8Array,
    contentType: string | undefined,
    contentEncoding: string | undefined,
  ): Promise<WriteOutcome> {
    const negotiated = negotiate(contentType);
    if ('unsupported' in negotiated) {
      throw new DomainError(
        'unsupported_media_type',
        415,
        `${negotiated.unsupported}; supported: ${SUPPORTED_CONTENT_TYPES.join(', ')}`,
        'content-type',
        { supported: SUPPORTED_CONTENT_TYPES },
      );
    }
    const badEncoding = encodingProblem(contentEncoding);
    if (badEncoding !== undefined)
      throw new DomainError('unsupported_media_type', 415, badEncoding, 'content-encoding');
    const { version } = negotiated;
    const data = requestLevel(() => {
      const bytes = unsnappy(body, this.deps.limits.maxDecodedBytes, this.decompressed);
      return version === '1.0' ? decodeWriteRequestV1(bytes, this.seriesLabels) : decodeV2(bytes);
    });
    this.metadata.remember(data.familyMetadata);
    const translated = requestLevel(() =>
      toSamples(
        data.series,
        {
          existingType: this.deps.existingType,
          metadataFor: (name) => this.metadata.lookup(name),
        },
        data.known,
      ),
    );
    const { known } = translated;
    const count = known.sets.length + translated.samples.length;
    if (count > this.deps.limits.maxSamples) {
      throw new DomainError(
        'too_many_samples',
        413,
        `${String(count)} samples in one request; at most ${String(this.deps.limits.maxSamples)} (MAX_BATCH_SAMPLES): lower the sender's max_samples_per_send`,
      );
    }
    const outcome =
      count === 0
        ? undefined
        : await this.deps.ingest.ingestKnown({ ...known, samples: translated.samples }, 'custom');
    const rejectedItems = outcome?.rejected ?? [];
    outcome?.forEachAccepted((index, set) => {
      rememberSet(translated, index, set);
    });
    const written: Written = { samples: outcome?.acceptedCount ?? 0, histograms: 0, exemplars: 0 };
    const items: RefusedItem[] = [];
    let refused = 0;
    for (const series of translated.refused) {
      refused += series.count;
      items.push({ series: series.series, code: series.code, reason: series.reason });
    }
    for (const rejected of rejectedItems) {
      refused++;
      items.push({
        series: rejectedSeries(translated, rejected.index),
        code: rejected.code,
        reason: rejected.reason,
      });
    }
    this.deps.onOutcome?.(
      written.samples,
      rejectedItems.map((r) => r.code),
    );
    if (refused === 0) return { ok: true, version, written };
    return { ok: false, version, written, refused, items: items.slice(0, LISTED) };
  }
}

function requestLevel<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof MalformedRequest) throw new DomainError(error.code, 400, error.message);
    if (error instanceof DecodedTooLarge) throw new DomainError('body_too_large', 413, error.message);
    throw error;
  }
}

/**
 * Keeps, on each series' cache entry, the label set its sample went to: the series' next samples are then
 * known (a set that was found again by a full lookup, after the one kept was deleted, replaces it).
 */
function rememberSet(translated: Translated, index: number, set: LabelSetView): void {
  const { known, sampleSeries } = translated;
  const series = index < known.sets.length ? known.series[index]! : sampleSeries[index - known.sets.length];
  if (series !== undefined && series.set !== set) series.set = set;
}

/** The series of a refused item, as the answer names it (items: known samples first, then the others). */
function rejectedSeries(translated: Translated, index: number): string {
  const first = translated.known.sets.length;
  if (index < first) {
    const { name, labels } = translated.known.series[index]!.checked!;
    return seriesText(name, labels);
  }
  const sample = translated.samples[index - first]!;
  return seriesText(sample.name, sample.labels);
}

function seriesText(name: string, labels: Readonly<Record<string, string>> | undefined): string {
  const pairs = Object.entries(labels ?? {}).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
  return pairs.length === 0 ? name : `${name}{${pairs.join(',')}}`;
}

/** The receiver the app serves, on the service's ingest path, counted in its own metrics. */
export function createRemoteWriteReceiver(services: {
  ingest: IngestService;
  reader: { family(name: string): { def: { type: MetricType } } | undefined };
  own: OwnMetrics;
  config: { remoteWriteMaxDecodedBytes: number; maxBatchSamples: number; remoteWriteSeriesCache?: number };
}): RemoteWriteReceiver {
  return new RemoteWriteReceiver({
    ingest: services.ingest,
    existingType: (name) => services.reader.family(name)?.def.type,
    limits: {
      maxDecodedBytes: services.config.remoteWriteMaxDecodedBytes,
      maxSamples: services.config.maxBatchSamples,
      seriesCache: services.config.remoteWriteSeriesCache,
    },
    onOutcome: (accepted, rejected) => {
      if (accepted > 0) services.own.samplesIngested.inc({ category: 'custom' }, accepted);
      for (const code of rejected) services.own.samplesRejected.inc({ code });
    },
  });
}
