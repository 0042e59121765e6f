import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ChunkEncoder } from '../../src/storage/codec/chunk-encoder.js';
import type { StoredChunk } from '../../src/storage/ports.js';
import { DecodedChunkCache } from '../../src/tsdb/decoded-chunk-cache.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

function chunk(seriesId: number, minT: number, values: readonly number[]): StoredChunk {
  const encoder = ChunkEncoder.forValues(values);
  values.forEach((v, i) => {
    encoder.append(minT + i * 1000, v);
  });
  return {
    seriesId,
    minT,
    maxT: minT + (values.length - 1) * 1000,
    count: values.length,
    data: encoder.bytes(),
  };
}

describe('decoded chunk cache', () => {
  it('decodes a chunk once and answers the same arrays after', () => {
    const cache = new DecodedChunkCache(1024 * 1024);
    const first = cache.decode(chunk(1, 0, [1, 2, 3]));
    // The same bytes in another buffer (a database row read again) are a hit.
    const again = cache.decode(chunk(1, 0, [1, 2, 3]));
    assert.equal(again, first);
    assert.deepEqual([...again.v], [1, 2, 3]);
    assert.deepEqual({ hits: cache.hits, misses: cache.misses }, { hits: 1, misses: 1 });
  });

  it('decodes again a chunk whose bytes changed under the same series and start (a growing open chunk)', () => {
    const cache = new DecodedChunkCache(1024 * 1024);
    cache.decode(chunk(1, 0, [1, 2, 3]));
    const grown = cache.decode(chunk(1, 0, [1, 2, 3, 4]));
    assert.deepEqual([...grown.v], [1, 2, 3, 4]);
    // The newest sample replaced at the same time: same count, same bounds, other bytes.
    const replaced = cache.decode(chunk(1, 0, [1, 2, 3, 5]));
    assert.deepEqual([...replaced.v], [1, 2, 3, 5]);
    assert.equal(cache.size, 1);
    assert.equal(cache.misses, 3);
  });

  it('tells apart two series whose keys collide', () => {
    const cache = new DecodedChunkCache(1024 * 1024);
    const a = cache.decode(chunk(1, 0, [1]));
    const b = cache.decode(chunk(0, 2 ** 32, [2]));
    assert.deepEqual([...a.v, ...b.v], [1, 2]);
    assert.deepEqual([...cache.decode(chunk(1, 0, [1])).v], [1]);
  });

  it('keeps within its bytes, dropping the least recently used first', () => {
    const one = chunk(1, 0, [1, 2, 3, 4, 5, 6, 7, 8]);
    const probe = new DecodedChunkCache(1024 * 1024);
    probe.decode(one);
    const entryBytes = probe.bytes;
    const cache = new DecodedChunkCache(entryBytes * 2);
    cache.decode(chunk(1, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    cache.decode(chunk(2, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    cache.decode(chunk(1, 0, [1, 2, 3, 4, 5, 6, 7, 8])); // 1 is now the newest
    cache.decode(chunk(3, 0, [1, 2, 3, 4, 5, 6, 7, 8])); // drops 2
    assert.equal(cache.size, 2);
    assert.ok(cache.bytes <= entryBytes * 2);
    const hits = cache.hits;
    cache.decode(chunk(1, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    assert.equal(cache.hits, hits + 1);
    cache.decode(chunk(2, 0, [1, 2, 3, 4, 5, 6, 7, 8]));
    assert.equal(cache.hits, hits + 1);
  });

  it('reads a scan larger than itself through, keeping what smaller reads left', () => {
    const small = [chunk(1, 0, [1, 2, 3])];
    const probe = new DecodedChunkCache(1024 * 1024);
    probe.decode(small[0]!);
    const cache = new DecodedChunkCache(probe.bytes * 3);
    assert.ok(cache.fits(small));
    cache.decode(chunk(1, 0, [1, 2, 3]));
    const scan = Array.from({ length: 10 }, (_, i) => chunk(100 + i, 0, [1, 2, 3]));
    assert.equal(cache.fits(scan), false);
    for (const c of scan) cache.decode(c, false);
    assert.equal(cache.size, 1);
    const hits = cache.hits;
    cache.decode(chunk(1, 0, [1, 2, 3]));
    assert.equal(cache.hits, hits + 1);
  });

  it('keeps nothing with a bound of 0', () => {
    const cache = new DecodedChunkCache(0);
    cache.decode(chunk(1, 0, [1]));
    assert.equal(cache.size, 0);
    assert.equal(cache.bytes, 0);
  });
});

describe('PromQL over cached chunks', () => {
  let t: TestApp;
  const MINUTE = 60_000;
  const end = Math.floor(Date.now() / MINUTE) * MINUTE;

  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  async function ingest(values: readonly (readonly [number, number])[]): Promise<void> {
    await t.services.ingest.ingest(
      values.map(([ts, value]) => ({ name: 'cached_gauge', value, labels: {}, timestamp: ts })),
      'custom',
    );
  }

  async function lastValue(): Promise<number> {
    const result = await t.services.promql.instantQuery('last_over_time(cached_gauge[1h])', end);
    assert.equal(result.resultType, 'vector');
    return (result.result as { value: [number, number] }[])[0]!.value[1];
  }

  it('answers a sample written after the chunk was cached, also after a checkpoint', async () => {
    await ingest([
      [end - 30 * MINUTE, 1],
      [end - 20 * MINUTE, 2],
    ]);
    assert.equal(await lastValue(), 2);
    await ingest([[end - 10 * MINUTE, 3]]);
    assert.equal(await lastValue(), 3);
    await t.services.tsdb.checkpoint();
    assert.equal(await lastValue(), 3);
    // The newest sample replaced at the same time: the open chunk keeps its start, count and end.
    await ingest([[end - 10 * MINUTE, 4]]);
    assert.equal(await lastValue(), 4);
    await t.services.tsdb.checkpoint();
    assert.equal(await lastValue(), 4);
  });
});
