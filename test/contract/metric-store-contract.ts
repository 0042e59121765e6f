import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { MetricStore, StoredChunk, StoredFamily, StoredSeries } from '../../src/storage/ports.js';

/** Gives a MetricStore on empty, migrated storage. */
export type MetricStoreFactory = () => Promise<MetricStore>;

const family = (name: string, help = 'help'): StoredFamily => ({
  name,
  type: 'histogram',
  help,
  unit: 'seconds',
  category: 'application',
  buckets: [0.1, 1],
  createdAt: 1000,
});
const series = (id: number, le: number | null = null): StoredSeries => ({
  id,
  family: 'req',
  labels: { route: `/r${String(id)}`, 'odd "label"': 'é\n' },
  role: le === null ? 'sum' : 'bucket',
  le,
  createdAt: 1000 + id,
});
const chunk = (seriesId: number, minT: number, maxT: number, fill = minT % 251): StoredChunk => ({
  seriesId,
  minT,
  maxT,
  count: maxT - minT + 1,
  data: new Uint8Array([fill, 0, 255, seriesId % 256]),
});
const plain = (chunks: StoredChunk[]): unknown[] => chunks.map((c) => ({ ...c, data: [...c.data] }));

/** The MetricStore contract every adapter passes (SQLite, PostgreSQL). */
export function metricStoreContract(fresh: MetricStoreFactory): void {
  it('answers ping on fresh storage', async () => {
    const store = await fresh();
    await store.ping();
    assert.deepEqual(await store.loadFamilies(), []);
    assert.equal(await store.walHighWater(), 0);
  });

  it('commits families, series (with +Inf bucket bounds and odd labels) and a WAL record all at once', async () => {
    const store = await fresh();
    await store.commit({
      families: [family('req')],
      series: [series(1), series(2, 0.1), series(3, Number.POSITIVE_INFINITY)],
      samples: new Uint8Array([1, 2, 3]),
    });
    assert.deepEqual(await store.loadFamilies(), [family('req')]);
    assert.deepEqual(await store.loadSeries(), [
      series(1),
      series(2, 0.1),
      series(3, Number.POSITIVE_INFINITY),
    ]);
    const wal = await store.readWal(0, 10);
    assert.equal(wal.length, 1);
    assert.deepEqual([...wal[0]!.data], [1, 2, 3]);
    assert.equal(await store.walHighWater(), wal[0]!.id);
  });

  it('rewrites a family whose HELP changed, keeps its creation time, and commits without samples', async () => {
    const store = await fresh();
    await store.commit({ families: [family('req')], series: [], samples: null });
    await store.commit({
      families: [{ ...family('req', 'new help'), createdAt: 5 }],
      series: [],
      samples: null,
    });
    const [stored] = await store.loadFamilies();
    assert.ok(stored);
    assert.equal(stored.help, 'new help');
    assert.equal(stored.createdAt, 1000);
    assert.equal(await store.walHighWater(), 0);
  });

  it('commits all or nothing: a duplicate series id leaves no family and no WAL record', async () => {
    const store = await fresh();
    await store.commit({ families: [], series: [series(1)], samples: null });
    await assert.rejects(async () =>
      store.commit({ families: [family('other')], series: [series(1)], samples: new Uint8Array([9]) }),
    );
    assert.deepEqual(await store.loadFamilies(), []);
    assert.equal(await store.walHighWater(), 0);
  });

  it('reads the WAL in id order after an id, up to a limit, and truncates it', async () => {
    const store = await fresh();
    for (let i = 1; i <= 5; i++)
      await store.commit({ families: [], series: [], samples: new Uint8Array([i]) });
    const all = await store.readWal(0, 100);
    assert.deepEqual(
      all.map((e) => e.data[0]),
      [1, 2, 3, 4, 5],
    );
    const ids = all.map((e) => e.id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => a - b),
    );
    assert.deepEqual(
      (await store.readWal(ids[1]!, 2)).map((e) => e.data[0]),
      [3, 4],
    );
    await store.truncateWal(ids[2]!);
    assert.deepEqual(
      (await store.readWal(0, 100)).map((e) => e.data[0]),
      [4, 5],
    );
    assert.equal(await store.walHighWater(), ids[4]);
    assert.equal((await store.stats()).walEntries, 2);
  });

  it('replaces a sealed chunk with the same series and minT (a retried checkpoint) and each open chunk', async () => {
    const store = await fresh();
    await store.commit({ families: [family('req')], series: [series(1), series(2)], samples: null });
    await store.writeChunks({ sealed: [chunk(1, 0, 9)], open: [chunk(1, 10, 12), chunk(2, 0, 3)] });
    await store.writeChunks({ sealed: [chunk(1, 0, 9, 77)], open: [chunk(1, 10, 15)] });
    assert.deepEqual(
      plain(await store.readChunks(1, 0, 100, Number.POSITIVE_INFINITY)),
      plain([chunk(1, 0, 9, 77), chunk(1, 10, 15)]),
    );
    const latest = await store.loadLatestChunks();
    assert.deepEqual(
      plain(latest.sort((a, b) => a.seriesId - b.seriesId)),
      plain([chunk(1, 10, 15), chunk(2, 0, 3)]),
    );
    assert.equal((await store.stats()).chunks, 3);
  });

  it('reads chunks overlapping a range below a minT, with the newest one before the range, in minT order', async () => {
    const store = await fresh();
    await store.writeChunks({
      sealed: [chunk(1, 20, 29), chunk(1, 0, 9), chunk(1, 10, 19), chunk(2, 0, 50)],
      open: [chunk(1, 30, 35)],
    });
    const minTs = async (from: number, to: number, below: number): Promise<number[]> =>
      (await store.readChunks(1, from, to, below)).map((c) => c.minT);
    assert.deepEqual(await minTs(12, 25, Number.POSITIVE_INFINITY), [10, 20]);
    // A range after the last sealed chunk still gets the one before it (values carried forward).
    assert.deepEqual(await minTs(31, 40, Number.POSITIVE_INFINITY), [30]);
    assert.deepEqual(await minTs(0, 100, 30), [0, 10, 20]);
    assert.deepEqual(await minTs(0, 100, 0), []);
    assert.deepEqual(await minTs(100, 200, Number.POSITIVE_INFINITY), [30]);
  });

  it('deletes chunks older than a cutoff up to a limit, sealed first', async () => {
    const store = await fresh();
    await store.writeChunks({
      sealed: [chunk(1, 0, 9), chunk(1, 10, 19), chunk(2, 0, 9)],
      open: [chunk(3, 0, 5), chunk(1, 20, 29)],
    });
    assert.equal(await store.deleteChunksBefore(15, 2), 2);
    assert.equal(await store.deleteChunksBefore(15, 10), 1);
    assert.equal(await store.deleteChunksBefore(15, 10), 0);
    assert.deepEqual(
      (await store.readChunks(1, 0, 100, Number.POSITIVE_INFINITY)).map((c) => c.minT),
      [10, 20],
    );
    assert.deepEqual(await store.readChunks(3, 0, 100, Number.POSITIVE_INFINITY), []);
  });

  it('deletes series with their chunks, and the families left without series', async () => {
    const store = await fresh();
    await store.commit({
      families: [family('req'), { ...family('other'), type: 'gauge' }],
      series: [series(1), series(2), { ...series(3), family: 'other', role: 'value' }],
      samples: null,
    });
    await store.writeChunks({ sealed: [chunk(1, 0, 9), chunk(3, 0, 9)], open: [chunk(1, 10, 12)] });
    await store.deleteSeries([1, 3]);
    assert.deepEqual(
      (await store.loadSeries()).map((s) => s.id),
      [2],
    );
    assert.deepEqual(
      (await store.loadFamilies()).map((f) => f.name),
      ['req'],
    );
    assert.deepEqual(await store.readChunks(1, 0, 100, Number.POSITIVE_INFINITY), []);
    assert.deepEqual(await store.loadLatestChunks(), []);
    assert.equal((await store.stats()).chunks, 0);
    assert.ok((await store.stats()).bytesOnDisk > 0);
  });

  it('writes a large checkpoint and commit in one call each', async () => {
    const store = await fresh();
    const many = Array.from({ length: 3000 }, (_, i) => series(i + 1));
    await store.commit({ families: [family('req')], series: many, samples: new Uint8Array(100_000) });
    await store.writeChunks({
      sealed: many.map((s) => chunk(s.id, 0, 9)),
      open: many.map((s) => chunk(s.id, 10, 11)),
    });
    assert.equal((await store.loadSeries()).length, 3000);
    assert.equal((await store.loadLatestChunks()).length, 3000);
    assert.equal((await store.stats()).chunks, 6000);
    assert.equal((await store.readWal(0, 1))[0]?.data.length, 100_000);
  });
}
