import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeCounts, encodeCounts } from '../storage/codec/varint-counts.js';
import { addCheck, emptyRollup, summarize } from './rollup.js';

describe('health roll-ups', () => {
  it('uptime and percentiles of a window come from the hourly buckets', () => {
    const a = emptyRollup(1, 10);
    const b = emptyRollup(1, 11);
    for (let i = 0; i < 90; i++) addCheck(a, true, false, 40); // bucket 25–50 ms
    for (let i = 0; i < 9; i++) addCheck(b, true, true, 400); // bucket 300–500 ms
    addCheck(b, false, false, 5000);
    const s = summarize([a, b]);
    assert.equal(s.checks, 100);
    assert.equal(s.uptimeRatio, 0.99);
    assert.ok(s.responseTimeMs !== null);
    assert.ok(s.responseTimeMs.p50 > 25 && s.responseTimeMs.p50 <= 50, `p50 ${String(s.responseTimeMs.p50)}`);
    assert.ok(
      s.responseTimeMs.p95 > 300 && s.responseTimeMs.p95 <= 500,
      `p95 ${String(s.responseTimeMs.p95)}`,
    );
    assert.equal(s.responseTimeMs.max, 5000);
    assert.equal(summarize([]).uptimeRatio, null);
  });

  it('bucket counts survive the varint encoding', () => {
    const counts = [0, 1, 127, 128, 16_384, 2 ** 31 + 5, 0];
    assert.deepEqual(decodeCounts(encodeCounts(counts)), counts);
    assert.ok(encodeCounts(new Array<number>(17).fill(0)).length === 17);
  });
});
