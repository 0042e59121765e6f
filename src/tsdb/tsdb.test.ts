import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IngestService } from '../ingest/ingest-service.js';
import type { IngestSample } from '../ingest/sample-schema.js';
import { migrateSqlite } from '../storage/sqlite/migrations.js';
import { openDatabase } from '../storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../storage/sqlite/sqlite-metric-store.js';
import { WIDE_INGEST_LIMITS } from '../../test/support/ingest-limits.js';
import { Tsdb } from './tsdb.js';

const T0 = Date.UTC(2026, 0, 1);
const S = 15_000;

const limits = WIDE_INGEST_LIMITS;

/** A TSDB on a real SQLite file, written through the ingest path as the service does. */
function open(file: string): { tsdb: Tsdb; ingest: IngestService } {
  const db = openDatabase(file, 'normal');
  migrateSqlite(db);
  const tsdb = new Tsdb(new SqliteMetricStore(db, file));
  const ingest = new IngestService({
    tsdb,
    limits,
    isReservedName: () => false,
    clock: () => T0 + 3_600_000,
  });
  return { tsdb, ingest };
}

describe('TSDB read and write ports', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-tsdb-'));
  let tsdb: Tsdb;
  let ingest: IngestService;

  before(async () => {
    ({ tsdb, ingest } = open(join(dir, 'metrics.db')));
    await tsdb.recover();
    const samples: IngestSample[] = [];
    for (let i = 0; i < 10; i++) {
      const timestamp = T0 + i * S;
      samples.push({ name: 'jobs_total', type: 'counter', value: 2, labels: { queue: 'a' }, timestamp });
      samples.push({ name: 'jobs_total', type: 'counter', value: 5, labels: { queue: 'b' }, timestamp });
      samples.push({ name: 'temp', value: i, labels: { room: 'x' }, timestamp });
      // Always 0.9: the 0.1 and 0.5 buckets never change, and must still get a sample each time.
      samples.push({
        name: 'lat',
        type: 'histogram',
        value: 0.9,
        buckets: [0.1, 0.5, 1],
        timestamp,
      });
    }
    const outcome = await ingest.ingest(samples, 'custom');
    assert.deepEqual(outcome.rejected, []);
  });
  after(async () => {
    await tsdb.store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('selects series by their exposed names and labels, as /metrics writes them', async () => {
    const names = async (matchers: Parameters<Tsdb['reader']['select']>[0]) =>
      (await tsdb.reader.select(matchers, T0, T0 + 10 * S))
        .map((s) => s.labels)
        .map((l) => JSON.stringify(l));
    assert.deepEqual(await names([{ label: '__name__', op: '=', value: 'jobs_total' }]), [
      '{"__name__":"jobs_total","queue":"a"}',
      '{"__name__":"jobs_total","queue":"b"}',
    ]);
    assert.deepEqual(
      await names([
        { label: '__name__', op: '=', value: 'jobs_total' },
        { label: 'queue', op: '!=', value: 'a' },
      ]),
      ['{"__name__":"jobs_total","queue":"b"}'],
    );
    assert.deepEqual(await names([{ label: '__name__', op: '=', value: 'lat_bucket' }]), [
      '{"__name__":"lat_bucket","le":"0.1"}',
      '{"__name__":"lat_bucket","le":"0.5"}',
      '{"__name__":"lat_bucket","le":"1"}',
      '{"__name__":"lat_bucket","le":"+Inf"}',
    ]);
    assert.deepEqual(await names([{ label: '__name__', op: '=~', value: 'lat_(sum|count)' }]), [
      '{"__name__":"lat_sum"}',
      '{"__name__":"lat_count"}',
    ]);
    assert.deepEqual(
      await names([{ label: '__name__', op: '=', value: 'lat' }]),
      [],
      'a histogram has no `lat`',
    );
    assert.deepEqual(await names([{ label: 'room', op: '=', value: 'x' }]), [
      '{"__name__":"temp","room":"x"}',
    ]);
  });

  it('lists the label sets of a family by matchers on their labels', () => {
    const queues = (matchers: Parameters<Tsdb['reader']['labelSets']>[1]) =>
      tsdb.reader.labelSets('jobs_total', matchers).map((set) => set.labels.queue);
    assert.deepEqual(queues([]), ['a', 'b']);
    assert.deepEqual(queues([{ label: 'queue', op: '=~', value: 'b|c' }]), ['b']);
    assert.deepEqual(queues([{ label: 'queue', op: '!~', value: '.*' }]), []);
    assert.deepEqual(tsdb.reader.labelSets('no_such_metric', []), []);
  });

  it('gives every series of a histogram label set a sample whenever the set gets one', async () => {
    const [unchanged] = await tsdb.reader.select(
      [
        { label: '__name__', op: '=', value: 'lat_bucket' },
        { label: 'le', op: '=', value: '0.1' },
      ],
      T0,
      T0 + 10 * S,
    );
    assert.equal(unchanged!.samples.t.length, 10, 'a sample at each of the 10 writes, value unchanged');
    assert.deepEqual([...new Set(unchanged!.samples.v)], [0]);
    const [count] = await tsdb.reader.select(
      [{ label: '__name__', op: '=', value: 'lat_count' }],
      T0,
      T0 + 10 * S,
    );
    assert.deepEqual([...count!.samples.v], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('reads many series in one batch, from memory and from chunks alike, with the sample before the range', async () => {
    const family = tsdb.reader.family('jobs_total')!;
    const ids = [...family.sets.values()].map((set) => set.ids[0]!);
    const fromMemory = await tsdb.reader.readSamples(ids, T0 + 3 * S, T0 + 5 * S);
    await tsdb.checkpoint();
    const fromChunks = await tsdb.reader.readSamples([...ids, 9999], T0 + 3 * S, T0 + 5 * S);
    for (const ranges of [fromMemory, fromChunks]) {
      assert.deepEqual([...ranges[0]!.t], [T0 + 2 * S, T0 + 3 * S, T0 + 4 * S, T0 + 5 * S]);
      assert.deepEqual([...ranges[0]!.v], [6, 8, 10, 12]);
      assert.deepEqual([...ranges[1]!.v], [15, 20, 25, 30]);
    }
    assert.equal(fromChunks[2]!.t.length, 0, 'an unknown series reads empty');
  });

  it('shows readers nothing of an append until it commits, and nothing of one rolled back', async () => {
    const version = tsdb.reader.version;
    await assert.rejects(
      tsdb.append(
        () => T0 + 20 * S,
        1,
        (app) => {
          const family = app.createFamily({
            name: 'ghost',
            type: 'gauge',
            help: '',
            unit: '',
            category: 'custom',
            buckets: [],
          });
          app.append(app.createLabelSet(family, Object.freeze({})), T0 + 20 * S, 1);
          assert.equal(tsdb.reader.family('ghost'), undefined, 'not visible before commit');
          throw new Error('the request failed');
        },
      ),
      /the request failed/,
    );
    assert.equal(tsdb.reader.family('ghost'), undefined);
    assert.equal(
      tsdb.reader.allFamilies().some((f) => f.def.name === 'ghost'),
      false,
      'rolled back',
    );
    assert.ok(tsdb.reader.version >= version, 'versions only grow');
  });

  it('recovers the same state after a restart', async () => {
    const before = await tsdb.reader.select([{ label: '__name__', op: '=~', value: '.+' }], T0, T0 + 10 * S);
    await tsdb.store.close();
    ({ tsdb, ingest } = open(join(dir, 'metrics.db')));
    await tsdb.recover();
    const afterRestart = await tsdb.reader.select(
      [{ label: '__name__', op: '=~', value: '.+' }],
      T0,
      T0 + 10 * S,
    );
    assert.deepEqual(
      afterRestart.map((s) => [s.labels, [...s.samples.t], [...s.samples.v]]),
      before.map((s) => [s.labels, [...s.samples.t], [...s.samples.v]]),
    );
    assert.deepEqual([...tsdb.reader.family('temp')!.sets.values()][0]!.values, Float64Array.of(9));
  });
});

describe('TSDB appender', () => {
  it('commits and publishes every staged set when it stages more than the samples it was told to expect', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-tsdb-appender-'));
    const { tsdb } = open(join(dir, 'metrics.db'));
    try {
      await tsdb.recover();
      const rooms = ['a', 'b', 'c', 'd', 'e'];
      await tsdb.append(
        () => T0,
        1,
        async (app) => {
          const family = app.createFamily({
            name: 'room_temp',
            type: 'gauge',
            help: '',
            unit: '',
            category: 'custom',
            buckets: [],
          });
          rooms.forEach((room, i) => {
            const set = app.createLabelSet(family, Object.freeze({ room }));
            assert.ok(app.append(set, T0, 20 + i));
          });
          assert.equal(await app.commit(), true);
        },
      );
      const sets = [...tsdb.reader.family('room_temp')!.sets.values()];
      assert.deepEqual(
        sets.map((set) => [set.labels.room, set.values[0]]),
        rooms.map((room, i) => [room, 20 + i]),
      );
      const read = await tsdb.reader.readSamples(
        sets.map((set) => set.ids[0]!),
        T0,
        T0,
      );
      assert.deepEqual(
        read.map((samples) => [...samples.v]),
        rooms.map((_, i) => [20 + i]),
        'every head got its sample',
      );
    } finally {
      await tsdb.store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
