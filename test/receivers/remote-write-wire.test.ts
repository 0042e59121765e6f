import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import protobuf from 'protobufjs';
import { uncompress } from 'snappyjs';
import { decodeV1, MalformedRequest, WriteRequestV1 } from '../../src/receivers/remote-write/codec.js';
import { SeriesLabelsCache } from '../../src/receivers/remote-write/series-labels-cache.js';
import { isStaleMarker } from '../../src/receivers/remote-write/to-samples.js';
import { decodeWriteRequestV1 } from '../../src/receivers/remote-write/wire-v1.js';
import type { WriteRequestData } from '../../src/receivers/remote-write/write-series.js';
import type { LabelSetView } from '../../src/tsdb/read-port.js';
import { STALE_NAN } from '../support/remote-write.js';

/**
 * The hand-written WriteRequest decoder (ADR 0022) against protobufjs' reflected one, the oracle: the same
 * answer on random messages, on every truncation of them, and on a body the real Prometheus sent.
 */

/**
 * What the wire decoder decodes, without the cache entries it links series to (`known`, where the steps
 * after it keep their work) and the known series' columns (none here: no series has a label set without
 * an ingest): protobufjs has neither.
 */
function decodeWire(bytes: Uint8Array, cache?: SeriesLabelsCache): WriteRequestData {
  const data = decodeWriteRequestV1(bytes, cache);
  assert.equal(data.known?.values.length ?? 0, 0);
  const series = data.series.map((one) => {
    const copy = { ...one };
    delete copy.known;
    return copy;
  });
  const copy = { ...data, series };
  delete copy.known;
  return copy;
}

/** Either decoder's answer: its data, or that it refused the body (as MalformedRequest). */
function outcome(decode: (bytes: Uint8Array) => WriteRequestData, bytes: Uint8Array): unknown {
  try {
    return decode(bytes);
  } catch (error) {
    assert.ok(error instanceof MalformedRequest, `not a MalformedRequest: ${String(error)}`);
    return 'refused';
  }
}

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 8 }));
const label = fc.record({ name: text, value: text });
const sample = fc.record({
  value: fc.oneof(fc.double(), fc.constantFrom(Number.NaN, STALE_NAN, 0, -0, Number.POSITIVE_INFINITY)),
  // int64 over its whole range (beyond 2^53 both must round the same way), as protobufjs takes them: text.
  timestamp: fc.oneof(
    fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n).map(String),
    fc.integer({ min: 0, max: 2 ** 42 }).map(String),
  ),
});
const series = fc.record({
  labels: fc.array(label, { maxLength: 5 }),
  samples: fc.array(sample, { maxLength: 3 }),
  exemplars: fc.array(fc.record({ labels: fc.array(label, { maxLength: 2 }), value: fc.double() }), {
    maxLength: 2,
  }),
  histograms: fc.array(
    fc.record({ count_int: fc.nat(), sum: fc.double(), schema: fc.integer({ min: -4, max: 8 }) }),
    {
      maxLength: 2,
    },
  ),
});
const metadata = fc.record({
  type: fc.integer({ min: 0, max: 9 }),
  metric_family_name: text,
  help: text,
  unit: text,
});
const request = fc.record({
  timeseries: fc.array(series, { maxLength: 6 }),
  metadata: fc.array(metadata, { maxLength: 3 }),
  // A field of a later protocol version: both decoders must skip it.
  unknownField: fc.option(fc.tuple(fc.integer({ min: 4, max: 2000 }), fc.nat()), { nil: undefined }),
});

function encode(message: RandomRequest): Uint8Array {
  const { unknownField, ...known } = message;
  const bytes = WriteRequestV1.encode(WriteRequestV1.fromObject(known)).finish();
  if (unknownField === undefined) return bytes;
  const [field, value] = unknownField;
  const extra = protobuf.Writer.create()
    .uint32(field * 8)
    .uint32(value)
    .finish();
  return Uint8Array.from([...bytes, ...extra]);
}

type RandomRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

describe('remote write 1.0 wire decoder (ADR 0022)', () => {
  it('decodes random WriteRequests exactly as protobufjs does', () => {
    fc.assert(
      fc.property(request, (message) => {
        const bytes = encode(message);
        assert.deepEqual(decodeWire(bytes), decodeV1(bytes));
      }),
      { numRuns: 400 },
    );
  });

  it('decodes the same through its series cache, on a hit and after the cache started again', () => {
    const small = new SeriesLabelsCache(3);
    const large = new SeriesLabelsCache(1000);
    fc.assert(
      fc.property(request, (message) => {
        const bytes = encode(message);
        const expected = decodeV1(bytes);
        for (const cache of [small, large, large]) assert.deepEqual(decodeWire(bytes, cache), expected);
      }),
      { numRuns: 200 },
    );
    assert.ok(large.size > 0 && small.size <= 3);
  });

  it('links each series to its cache entry: the same one whenever the same label bytes come again', () => {
    const cache = new SeriesLabelsCache(1000);
    fc.assert(
      fc.property(request, (message) => {
        const bytes = encode(message);
        const first = decodeWriteRequestV1(bytes, cache).series;
        const again = decodeWriteRequestV1(bytes, cache).series;
        again.forEach((series, i) => {
          // A series without labels, or whose bytes share a hash with another series, is not known.
          if (series.known === undefined) return;
          assert.equal(series.known, first[i]!.known ?? series.known);
          assert.equal(series.known.labels, series.labels);
        });
      }),
      { numRuns: 100 },
    );
  });

  it('decodes the same when the series that came next last time has other labels now', () => {
    // A second request from the first: each series' labels the same, one label longer, or one shorter, so
    // the cache's prediction (the series that followed last time) is right, a prefix, or a longer run.
    const variant = fc
      .tuple(request, fc.array(fc.nat(2), { minLength: 6, maxLength: 6 }))
      .map(([message, changes]) => {
        const timeseries = message.timeseries.map((series, i) => {
          const change = changes[i]!;
          if (change === 1) return { ...series, labels: [...series.labels, { name: 'zz', value: 'v' }] };
          if (change === 2) return { ...series, labels: series.labels.slice(0, -1) };
          return series;
        });
        return [message, { ...message, timeseries }] as const;
      });
    fc.assert(
      fc.property(variant, ([first, second]) => {
        const cache = new SeriesLabelsCache(1000);
        const bodies = [encode(first), encode(second)];
        for (const bytes of [...bodies, ...bodies, bodies[0]!])
          assert.deepEqual(decodeWire(bytes, cache), decodeV1(bytes));
      }),
      { numRuns: 300 },
    );
  });

  it('reads a series whose cache entry has a label set into columns, unless it needs its own WriteSeries', () => {
    const cache = new SeriesLabelsCache(1000);
    const set = {} as LabelSetView; // the decoder only looks whether there is one
    let staleSeen = 0;
    fc.assert(
      fc.property(request, (message) => {
        const bytes = encode(message);
        const expected = decodeV1(bytes);
        // The first pass fills the cache; then every entry gets a set (and checked labels), as after an ingest.
        for (const series of decodeWriteRequestV1(bytes, cache).series) {
          if (series.known === undefined) continue;
          series.known.set = set;
          series.known.checked = { name: '', labels: {} };
        }
        const data = decodeWriteRequestV1(bytes, cache);
        const columns = data.known!;
        // A series with leading labels and no native histogram is known; the others stay WriteSeries.
        const isKnown = (series: { labels: readonly unknown[]; histograms: number }) =>
          series.labels.length > 0 && series.histograms === 0;
        const known = expected.series.filter(isKnown);
        assert.deepEqual(
          data.series.map((one) => {
            const copy = { ...one };
            delete copy.known;
            return copy;
          }),
          expected.series.filter((series) => !isKnown(series)),
        );
        // Staleness markers are counted, not kept.
        const samples = known.flatMap((series) => series.samples);
        const kept = samples.filter((sample) => !isStaleMarker(sample.value));
        assert.deepEqual(
          columns.values,
          kept.map((sample) => sample.value),
        );
        assert.deepEqual(
          columns.timestamps,
          kept.map((sample) => sample.timestamp),
        );
        assert.equal(columns.staleMarkers, samples.length - kept.length);
        staleSeen += columns.staleMarkers;
        assert.equal(
          columns.exemplars,
          known.reduce((sum, series) => sum + series.exemplars, 0),
        );
        assert.equal(columns.series.length, columns.values.length);
        assert.ok(columns.series.every((series) => series.set === set));
      }),
      { numRuns: 200 },
    );
    assert.ok(staleSeen > 0, 'the generator sent staleness markers of known series');
  });

  it('refuses or decodes every truncation of a message as protobufjs does', () => {
    const cache = new SeriesLabelsCache(100);
    fc.assert(
      fc.property(request, fc.nat(), (message, cutSeed) => {
        const bytes = encode(message);
        if (bytes.length === 0) return;
        const cut = bytes.subarray(0, cutSeed % bytes.length);
        assert.deepEqual(outcome(decodeWire, cut), outcome(decodeV1, cut));
        assert.deepEqual(
          outcome((b) => decodeWire(b, cache), cut),
          outcome(decodeV1, cut),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('decodes bodies the real Prometheus 2.42 sent (self-scrape through remote_write) as protobufjs does', () => {
    const read = (name: string) =>
      uncompress(new Uint8Array(readFileSync(new URL(`fixtures/${name}`, import.meta.url))));
    const samples = read('prometheus-remote-write-v1.snappy');
    const decoded = decodeWire(samples);
    assert.equal(decoded.series.length, 2000);
    assert.deepEqual(decoded, decodeV1(samples));
    const metadata = read('prometheus-remote-write-v1-metadata.snappy');
    const described = decodeWire(metadata);
    assert.ok(described.familyMetadata.size > 50, `${String(described.familyMetadata.size)} families`);
    assert.deepEqual(described, decodeV1(metadata));
  });

  it('refuses a known field sent with another wire type, and a nested length past its message', () => {
    // timeseries (field 1) as a varint; then a series whose label claims 100 bytes it does not have.
    for (const bytes of [Uint8Array.of(0x08, 0x01), Uint8Array.of(0x0a, 0x04, 0x0a, 0x64, 0x0a, 0x00)]) {
      assert.throws(() => decodeWriteRequestV1(bytes), MalformedRequest);
    }
  });

  it('predicts the series that came next last time, only on its very same label run', () => {
    const a = Uint8Array.of(0x0a, 0x02, 0x0a, 0x00);
    const b = Uint8Array.of(0x0a, 0x03, 0x12, 0x01, 0x62);
    const at = (bytes: Uint8Array) => new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    /** A cache that saw a then b, and has just looked a up again: it predicts b. */
    const afterA = () => {
      const cache = new SeriesLabelsCache(100);
      cache.remember(a, at(a), 0, a.length, Object.freeze([['', ''] as const]));
      const second = cache.remember(b, at(b), 0, b.length, Object.freeze([['', 'b'] as const]));
      assert.ok(cache.lookup(a, at(a), 0, a.length) !== undefined);
      return { cache, second };
    };
    // b's bytes, then the series' end or a sample (field 2): b; more labels (0x0a) or other bytes: not b.
    const body = (...bytes: number[]) => Uint8Array.of(...b, ...bytes);
    for (const [what, bytes, predicted] of [
      ['its run, the series ending', body(), true],
      ['its run, then a sample', body(0x12, 0x00), true],
      ['its run, then another label', body(0x0a, 0x00), false],
      ['another value', Uint8Array.of(0x0a, 0x03, 0x12, 0x01, 0x63), false],
      ['cut short', b.subarray(0, 4), false],
    ] as const) {
      const { cache, second } = afterA();
      assert.equal(
        cache.next(bytes, at(bytes), 0, bytes.length)?.series,
        predicted ? second : undefined,
        what,
      );
    }
    // Once the cache started again, an entry from before is not predicted.
    const small = new SeriesLabelsCache(2);
    small.remember(a, at(a), 0, a.length, Object.freeze([]));
    small.remember(b, at(b), 0, b.length, Object.freeze([]));
    small.lookup(a, at(a), 0, a.length);
    const c = Uint8Array.of(0x0a, 0x00);
    small.remember(c, at(c), 0, c.length, Object.freeze([]));
    assert.equal(small.next(b, at(b), 0, b.length), undefined);
  });

  it('finds cached labels only for the very same bytes, whatever their length and offset in the body', () => {
    const labels = Object.freeze([['a', 'b'] as const]);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 40 }),
        fc.nat(7),
        fc.nat(40),
        (run, offset, flip) => {
          const cache = new SeriesLabelsCache(100);
          const body = new Uint8Array(offset + run.length);
          body.set(run, offset);
          const view = new DataView(body.buffer);
          const entry = cache.remember(body, view, offset, body.length, labels);
          assert.equal(entry?.labels, labels);
          assert.equal(cache.lookup(body, view, offset, body.length), entry);
          // The same run one byte shorter, or with one byte changed, is another series.
          assert.equal(cache.lookup(body, view, offset, body.length - 1), undefined);
          const changed = body.slice();
          const at = offset + (flip % run.length);
          changed[at] = changed[at]! ^ 0x01;
          assert.equal(
            cache.lookup(changed, new DataView(changed.buffer), offset, changed.length),
            undefined,
          );
          // What the cache keeps is a copy: the request's buffer may be reused.
          body.fill(0);
          assert.equal(
            cache.lookup(body, view, offset, body.length),
            run.every((b) => b === 0) ? entry : undefined,
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});
