import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { KnownBatch } from '../../src/ingest/ingest-known.js';
import {
  createRemoteWriteReceiver,
  type RemoteWriteReceiver,
} from '../../src/receivers/remote-write/receiver.js';
import { encodeV1, snappy, STALE_NAN, V1_HEADERS } from '../support/remote-write.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Remote write's known series (IngestService.ingestKnown): after a series' first sample, its samples go to
 * the label set the series' cache entry remembers. Checked here: they are stored and refused as any
 * sample, and a remembered set that is no longer the registry's (deleted, expired, its family re-created
 * with another type, the registry reloaded) is found or created again, never written to.
 */
describe('remote write: known series', () => {
  let t: TestApp;
  let receiver: RemoteWriteReceiver;
  /** How many samples of each request went the known way and the new way (the real ingest, observed). */
  const batches: { known: number; other: number }[] = [];
  before(async () => {
    t = await startTestApp();
    const ingestKnown = t.services.ingest.ingestKnown.bind(t.services.ingest);
    t.services.ingest.ingestKnown = (batch: KnownBatch, category) => {
      batches.push({ known: batch.sets.length, other: batch.samples.length });
      return ingestKnown(batch, category);
    };
    receiver = createRemoteWriteReceiver(t.services);
  });
  after(async () => {
    await t.close();
  });

  const write = (series: Parameters<typeof encodeV1>[0]) =>
    receiver.write(snappy(encodeV1(series)), V1_HEADERS['content-type'], V1_HEADERS['content-encoding']);
  const lastBatch = () => batches.at(-1);
  const value = (name: string, labels: Record<string, string>): number | undefined => {
    const family = t.services.tsdb.reader.family(name);
    const set = [...(family?.sets.values() ?? [])].find(
      (s) => s.committed && JSON.stringify(s.labels) === JSON.stringify(labels),
    );
    return set?.values[0];
  };
  const now = () => Date.now();

  it('stores a known series’ samples straight into its set, refusing what the ingest path refuses', async () => {
    const series = (v: number, at: number) => [
      { labels: { __name__: 'rwk_requests_total', job: 'a' }, samples: [{ value: v, timestamp: at }] },
      { labels: { __name__: 'rwk_temperature', job: 'a' }, samples: [{ value: -v, timestamp: at }] },
    ];
    const t0 = now() - 10_000;
    assert.deepEqual((await write(series(5, t0))).ok, true);
    assert.deepEqual(lastBatch(), { known: 0, other: 2 });
    const second = await write(series(7, t0 + 1000));
    assert.equal(second.ok, true);
    assert.deepEqual(lastBatch(), { known: 2, other: 0 });
    assert.equal(value('rwk_requests_total', { job: 'a' }), 7, 'a counter keeps the sender’s total');
    assert.equal(value('rwk_temperature', { job: 'a' }), -7);

    // Older than the newest sample: out of order; the gauge's NaN is a value, the counter's is refused.
    const refused = await write([
      { labels: { __name__: 'rwk_requests_total', job: 'a' }, samples: [{ value: 8, timestamp: t0 }] },
      {
        labels: { __name__: 'rwk_temperature', job: 'a' },
        samples: [{ value: Number.NaN, timestamp: t0 + 2000 }],
      },
    ]);
    assert.deepEqual(lastBatch(), { known: 2, other: 0 });
    assert.ok(!refused.ok, JSON.stringify(refused));
    assert.equal(refused.written.samples, 1);
    assert.equal(refused.items[0]!.code, 'out_of_order_sample');
    assert.equal(refused.items[0]!.series, 'rwk_requests_total{job="a"}');
    assert.ok(Number.isNaN(value('rwk_temperature', { job: 'a' })!));
    const nan = await write([
      {
        labels: { __name__: 'rwk_requests_total', job: 'a' },
        samples: [{ value: Number.NaN, timestamp: t0 + 3000 }],
      },
    ]);
    assert.ok(!nan.ok && nan.items[0]!.code === 'invalid_value', JSON.stringify(nan));
    // Too old for the retention, too far in the future: refused with the ingest path's codes.
    const times = await write([
      { labels: { __name__: 'rwk_temperature', job: 'a' }, samples: [{ value: 1, timestamp: 1000 }] },
      {
        labels: { __name__: 'rwk_requests_total', job: 'a' },
        samples: [{ value: 9, timestamp: now() + 86_400_000 }],
      },
    ]);
    assert.ok(!times.ok, JSON.stringify(times));
    assert.deepEqual(
      times.items.map((item) => item.code),
      ['sample_too_old', 'sample_in_future'],
    );
    assert.equal(value('rwk_requests_total', { job: 'a' }), 7);
  });

  it('skips a known series’ staleness markers, storing its other samples', async () => {
    const t0 = now() - 5000;
    const labels = { __name__: 'rwk_stale', job: 'a' };
    await write([{ labels, samples: [{ value: 1, timestamp: t0 }] }]);
    const marked = await write([
      { labels, samples: [{ value: STALE_NAN, timestamp: t0 + 1000 }] },
      { labels: { __name__: 'rwk_stale', job: 'b' }, samples: [{ value: 4, timestamp: t0 + 1000 }] },
    ]);
    assert.equal(marked.ok, true, JSON.stringify(marked));
    assert.equal(marked.written.samples, 1);
    assert.equal(value('rwk_stale', { job: 'a' }), 1);
    await write([{ labels, samples: [{ value: 2, timestamp: t0 + 2000 }] }]);
    assert.deepEqual(lastBatch(), { known: 1, other: 0 });
    assert.equal(value('rwk_stale', { job: 'a' }), 2);
  });

  it('applies a request’s samples in time order, known and new ones together', async () => {
    const t0 = now() - 5000;
    const labels = { __name__: 'rwk_order', job: 'a' };
    await write([{ labels, samples: [{ value: 1, timestamp: t0 }] }]);
    const unsorted = await write([
      { labels, samples: [{ value: 3, timestamp: t0 + 2000 }] },
      { labels: { __name__: 'rwk_order', job: 'b' }, samples: [{ value: 9, timestamp: t0 + 500 }] },
      { labels, samples: [{ value: 2, timestamp: t0 + 1000 }] },
    ]);
    assert.deepEqual(lastBatch(), { known: 2, other: 1 });
    assert.equal(unsorted.ok, true, JSON.stringify(unsorted));
    assert.equal(unsorted.written.samples, 3);
    assert.equal(value('rwk_order', { job: 'a' }), 3, 'the newest sample is the current value');
  });

  it('creates a deleted series again', async () => {
    const at = now() - 5000;
    await write([{ labels: { __name__: 'rwk_deleted', job: 'a' }, samples: [{ value: 1, timestamp: at }] }]);
    await t.services.tsdb.deleteLabelSets(['rwk_deleted'], () => true);
    assert.equal(value('rwk_deleted', { job: 'a' }), undefined);
    const again = await write([
      { labels: { __name__: 'rwk_deleted', job: 'a' }, samples: [{ value: 2, timestamp: at + 1000 }] },
    ]);
    assert.deepEqual(lastBatch(), { known: 1, other: 0 });
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.equal(value('rwk_deleted', { job: 'a' }), 2);
    // The series' entry now knows the new set.
    await write([
      { labels: { __name__: 'rwk_deleted', job: 'a' }, samples: [{ value: 3, timestamp: at + 2000 }] },
    ]);
    assert.equal(value('rwk_deleted', { job: 'a' }), 3);
  });

  it('creates a series expired by the retention again', async () => {
    const at = now() - 10 * 60_000;
    await write([{ labels: { __name__: 'rwk_expired', job: 'a' }, samples: [{ value: 1, timestamp: at }] }]);
    await write([
      { labels: { __name__: 'rwk_expired', job: 'a' }, samples: [{ value: 2, timestamp: at + 1 }] },
    ]);
    const { sets } = await t.services.tsdb.retention(5 * 60_000).run();
    assert.ok(sets >= 1);
    assert.equal(value('rwk_expired', { job: 'a' }), undefined);
    const again = await write([
      { labels: { __name__: 'rwk_expired', job: 'a' }, samples: [{ value: 3, timestamp: now() }] },
    ]);
    assert.equal(again.ok, true, JSON.stringify(again));
    assert.equal(value('rwk_expired', { job: 'a' }), 3);
  });

  it('follows a family re-created with another type: a counter now, a histogram refused', async () => {
    const at = now() - 5000;
    const labels = { __name__: 'rwk_retyped', job: 'a' };
    await write([{ labels, samples: [{ value: 1, timestamp: at }] }]);
    assert.equal(t.services.tsdb.reader.family('rwk_retyped')?.def.type, 'gauge');
    await t.services.tsdb.deleteLabelSets(['rwk_retyped'], () => true);
    const json = await t.services.ingest.ingest(
      [{ name: 'rwk_retyped', type: 'counter', value: 10, labels: { job: 'b' }, timestamp: at + 500 }],
      'custom',
    );
    assert.equal(json.accepted.length, 1);
    const counted = await write([{ labels, samples: [{ value: 4, timestamp: at + 1000 }] }]);
    assert.equal(counted.ok, true, JSON.stringify(counted));
    // The sender's value is the counter's total (an exporter's counter), not an increment.
    assert.equal(value('rwk_retyped', { job: 'a' }), 4);

    await t.services.tsdb.deleteLabelSets(['rwk_retyped'], () => true);
    await t.services.ingest.ingest(
      [{ name: 'rwk_retyped', type: 'histogram', value: 0.2, labels: { job: 'b' }, timestamp: at + 1500 }],
      'custom',
    );
    const refused = await write([{ labels, samples: [{ value: 5, timestamp: at + 2000 }] }]);
    assert.ok(!refused.ok && refused.items[0]!.code === 'metric_type_conflict', JSON.stringify(refused));
    assert.equal(refused.written.samples, 0);
  });

  it('writes to the reloaded registry’s sets after a reload (a follower fallen behind, a new primary)', async () => {
    const at = now() - 5000;
    const labels = { __name__: 'rwk_reloaded', job: 'a' };
    await write([{ labels, samples: [{ value: 1, timestamp: at }] }]);
    await write([{ labels, samples: [{ value: 2, timestamp: at + 1000 }] }]);
    await t.services.tsdb.reload(0);
    assert.equal(value('rwk_reloaded', { job: 'a' }), 2, 'recovered from the store');
    const after = await write([{ labels, samples: [{ value: 3, timestamp: at + 2000 }] }]);
    assert.deepEqual(lastBatch(), { known: 1, other: 0 });
    assert.equal(after.ok, true, JSON.stringify(after));
    assert.equal(value('rwk_reloaded', { job: 'a' }), 3);
    // Order checks hold against the reloaded set: an older sample is still refused.
    const older = await write([{ labels, samples: [{ value: 9, timestamp: at + 1500 }] }]);
    assert.ok(!older.ok && older.items[0]!.code === 'out_of_order_sample', JSON.stringify(older));
  });
});
