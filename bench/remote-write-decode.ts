import { decodeV1 } from '../src/receivers/remote-write/codec.js';
import { SeriesLabelsCache } from '../src/receivers/remote-write/series-labels-cache.js';
import { unsnappy } from '../src/receivers/remote-write/snappy.js';
import { toSamples } from '../src/receivers/remote-write/to-samples.js';
import { decodeWriteRequestV1 } from '../src/receivers/remote-write/wire-v1.js';
import { encodeV1, snappy } from '../test/support/remote-write.js';
import { report } from './support.js';

const SERIES = 10_000;
const PER_REQUEST = 1_000;

/**
 * The remote write 1.0 decode in process, CPU µs per series (one sample each), on the remote-write bench's
 * bodies (10,000 series, 3 labels): protobufjs' reflected decoder (the baseline, and the property test's
 * oracle) against the wire decoder of ADR 0022 without its cache (a series seen the first time) and with it
 * (a sender's steady series), then the translation into ingest samples. Each figure is the lowest of 7
 * trials of `BENCH_RW_DECODE_REPS` passes over the bodies (the lowest is the one the host's load moved
 * least); ratios are baseline ÷ figure, measured in the same run.
 */
export function benchRemoteWriteDecode(reps = Number(process.env.BENCH_RW_DECODE_REPS ?? 20)): void {
  const t = Date.now();
  const bodies: Uint8Array[] = [];
  for (let b = 0; b < SERIES / PER_REQUEST; b++) {
    const series = Array.from({ length: PER_REQUEST }, (_, k) => {
      const i = b * PER_REQUEST + k;
      const name = `bench_rw_metric_${String(i % 20)}`;
      return {
        labels: {
          __name__: i % 2 === 0 ? `${name}_total` : name,
          instance: `host-${String(i % 50)}`,
          shard: String(i),
        },
        samples: [{ value: (i % 97) + 0.5, timestamp: t }],
      };
    });
    bodies.push(unsnappy(snappy(encodeV1(series)), 1 << 30));
  }
  const cache = new SeriesLabelsCache(SERIES);
  const context = { existingType: () => undefined, metadataFor: () => undefined };
  const perSeries = (work: (bytes: Uint8Array) => unknown): number => {
    for (const body of bodies) work(body);
    let best = Number.POSITIVE_INFINITY;
    for (let trial = 0; trial < 7; trial++) {
      const start = process.cpuUsage();
      for (let r = 0; r < reps; r++) for (const body of bodies) work(body);
      const used = process.cpuUsage(start);
      best = Math.min(best, (used.user + used.system) / (reps * SERIES));
    }
    return best;
  };
  const protobufjs = perSeries((bytes) => decodeV1(bytes));
  const cold = perSeries((bytes) => decodeWriteRequestV1(bytes));
  const warm = perSeries((bytes) => decodeWriteRequestV1(bytes, cache));
  const translatedCold = perSeries((bytes) => toSamples(decodeV1(bytes).series, context));
  const translatedWarm = perSeries((bytes) => toSamples(decodeWriteRequestV1(bytes, cache).series, context));
  report('remote-write-decode (CPU µs a series, lowest of 7 trials)', {
    protobufjs_us: protobufjs,
    wire_us: cold,
    wire_cached_us: warm,
    speedup_wire: protobufjs / cold,
    speedup_wire_cached: protobufjs / warm,
    protobufjs_and_translation_us: translatedCold,
    wire_cached_and_translation_us: translatedWarm,
    speedup_with_translation: translatedCold / translatedWarm,
  });
}
