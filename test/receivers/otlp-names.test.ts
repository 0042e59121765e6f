import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import protobuf from 'protobufjs';
import { attributeLabels } from '../../src/receivers/otlp/attributes.js';
import type { OtlpExponentialPoint } from '../../src/receivers/otlp/codec.js';
import { OTLP_DESCRIPTOR } from '../../src/receivers/otlp/descriptor.js';
import { EXPONENTIAL_BOUNDS, exponentialBucketCounts } from '../../src/receivers/otlp/exponential.js';
import { labelName, prometheusName } from '../../src/receivers/otlp/names.js';
// @ts-expect-error: a plain .mjs script without types
import { otlpDescriptorSource } from '../../scripts/otlp-descriptor.mjs';

describe('OTLP names, labels and conversions', () => {
  it('names metrics as the compatibility spec and Prometheus otlptranslator do', () => {
    const cases: [string, string, 'counter' | 'gauge' | 'histogram', string][] = [
      ['http.server.duration', 's', 'histogram', 'http_server_duration_seconds'],
      ['http.requests', '{request}', 'counter', 'http_requests_total'],
      ['jobs_total', '1', 'counter', 'jobs_total'],
      ['cpu.utilization', '1', 'gauge', 'cpu_utilization_ratio'],
      ['memory.usage', 'By', 'gauge', 'memory_usage_bytes'],
      ['latency_seconds', 's', 'histogram', 'latency_seconds'],
      ['speed', 'm/s', 'gauge', 'speed_meters_per_second'],
      ['disk..io--rate', 'KiBy', 'counter', 'disk_io_rate_kibibytes_total'],
      ['2xx.responses', '', 'counter', '_2xx_responses_total'],
      ['load', '%', 'gauge', 'load_percent'],
    ];
    for (const [name, unit, kind, expected] of cases) {
      assert.equal(prometheusName(name, unit, kind, true).name, expected, `${name} (${unit})`);
    }
    assert.deepEqual(prometheusName('http.requests', 's', 'counter', false), {
      name: 'http_requests',
      unit: 'seconds',
    });
  });

  it('names labels and joins colliding keys with ";" in key order', () => {
    assert.equal(labelName('http.route'), 'http_route');
    assert.equal(labelName('0day'), 'key_0day');
    assert.equal(labelName('_private'), 'key_private');
    assert.equal(labelName('__reserved'), 'key_reserved');
    const labels = attributeLabels([
      { key: 'a-b', value: { value: 'stringValue', stringValue: '2' } as never },
      { key: 'a.b', value: { value: 'intValue', intValue: 1 } as never },
      { key: 'flag', value: { value: 'boolValue', boolValue: true } as never },
      { key: 'empty', value: { value: 'stringValue', stringValue: '' } as never },
    ]);
    assert.deepEqual(labels, { a_b: '2;1', flag: 'true' });
  });

  it('converts exponential histograms to power-of-two buckets exactly from scales ≥ 0', () => {
    const point = (scale: number, offset: number, counts: number[]): OtlpExponentialPoint =>
      ({
        scale,
        zeroCount: 1,
        negative: { offset: 0, bucketCounts: [2] },
        positive: { offset, bucketCounts: counts },
      }) as unknown as OtlpExponentialPoint;
    const slot = (bound: number) => EXPONENTIAL_BOUNDS.indexOf(bound);
    // Scale 1: base √2; index 13 is (2^6.5, 2^7] → le=128; index 14 is (2^7, 2^7.5] → le=2^8.
    const counts = exponentialBucketCounts(point(1, 13, [3, 4]));
    assert.ok(Array.isArray(counts));
    assert.equal(counts[0], 3, 'zero and negative counts at le="0"');
    assert.equal(counts[slot(128)], 3);
    assert.equal(counts[slot(256)], 4);
    // Scale -1: base 4; index 2 is (16, 64] → le=64; beyond 2^40 → +Inf.
    const coarse = exponentialBucketCounts(point(-1, 2, [5]));
    assert.ok(Array.isArray(coarse));
    assert.equal(coarse[slot(64)], 5);
    const huge = exponentialBucketCounts(point(0, 60, [7]));
    assert.ok(Array.isArray(huge));
    assert.equal(huge[EXPONENTIAL_BOUNDS.length], 7);
    assert.match(String(exponentialBucketCounts(point(21, 0, [1]))), /scale 21/);
  });

  it('keeps the descriptor in step with the .proto files (node scripts/otlp-descriptor.mjs)', () => {
    const source = (otlpDescriptorSource as () => string)();
    const json = source.slice(source.indexOf('= {') + 2, source.lastIndexOf('} as unknown') + 1);
    const plain = (ns: protobuf.INamespace): unknown =>
      JSON.parse(JSON.stringify(protobuf.Root.fromJSON(ns).toJSON()));
    assert.deepEqual(plain(OTLP_DESCRIPTOR), plain(JSON.parse(json) as protobuf.INamespace));
  });
});
