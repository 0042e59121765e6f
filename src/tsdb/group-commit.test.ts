import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IngestService } from '../ingest/ingest-service.js';
import { migrateSqlite } from '../storage/sqlite/migrations.js';
import { openDatabase } from '../storage/sqlite/open-database.js';
import type { MetricStore } from '../storage/ports.js';
import { SqliteMetricStore } from '../storage/sqlite/sqlite-metric-store.js';
import { WIDE_INGEST_LIMITS } from '../../test/support/ingest-limits.js';
import { Tsdb } from './tsdb.js';

const T0 = Date.UTC(2026, 0, 1);
const limits = WIDE_INGEST_LIMITS;

/**
 * A TSDB on a real SQLite file (a synchronous store: the case end-of-turn grouping is for). With `held`,
 * each store write first waits for the next promise the test puts there (writes in flight, as on
 * PostgreSQL); without one queued, it goes through at once.
 */
function open(
  file: string,
  held?: Promise<void>[],
): { tsdb: Tsdb; ingest: IngestService; store: SqliteMetricStore } {
  const db = openDatabase(file, 'normal');
  migrateSqlite(db);
  const store = new SqliteMetricStore(db, file);
  const tsdb = new Tsdb(held === undefined ? store : holdingWrites(store, held));
  const ingest = new IngestService({ tsdb, limits, isReservedName: () => false, clock: () => T0 + 60_000 });
  return { tsdb, ingest, store };
}

/** The store, its writes made to wait for the promises queued in `held` (one each, in order). */
function holdingWrites(store: SqliteMetricStore, held: Promise<void>[]): MetricStore {
  return new Proxy(store, {
    get(target, property, receiver) {
      if (property === 'commit') {
        return async (...args: Parameters<MetricStore['commit']>) => {
          await held.shift();
          return target.commit(...args);
        };
      }
      const value: unknown = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/** A promise and the function that settles it. */
function gate(): { opened: Promise<void>; open: () => void } {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

const counter = (ingest: IngestService, s: string, t: number) =>
  ingest.ingest([{ name: 'turn_total', type: 'counter', value: 1, labels: { s }, timestamp: t }], 'custom');

/** Each label set's total, by its label `s`, as readers see it. */
function totals(tsdb: Tsdb): Record<string, number> {
  const out: Record<string, number> = {};
  for (const set of tsdb.reader.labelSets('turn_total', [])) out[set.labels.s ?? ''] = set.values[0]!;
  return out;
}

describe('group commit on a synchronous store (ADR 0029, end-of-turn grouping)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'metrics-group-commit-'));
  after(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('requests committed in one event-loop turn share one write-ahead record, and each is exact', async () => {
    const { tsdb, ingest, store } = open(join(dir, 'turn.db'));
    await tsdb.recover();
    await counter(ingest, 'warm', T0);
    const before = (await store.stats()).walEntries;

    // Ten requests started in the same turn: each stages under the lock, then all wait for the write.
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, i) => counter(ingest, `s${String(i % 2)}`, T0 + 1000 + i)),
    );
    for (const outcome of outcomes) assert.equal(outcome.acceptedCount, 1);
    const records = (await store.stats()).walEntries - before;
    assert.ok(records >= 1 && records < 10, `10 requests of one turn in ${String(records)} records`);

    assert.deepEqual(totals(tsdb), { warm: 1, s0: 5, s1: 5 });
    await store.close();

    // Durable as acknowledged: a restart replays the shared records to the same totals.
    const reopened = open(join(dir, 'turn.db'));
    await reopened.tsdb.recover();
    assert.deepEqual(totals(reopened.tsdb), { warm: 1, s0: 5, s1: 5 });
    await reopened.store.close();
  });

  it('a request staged while a later write is in flight builds on its pending values, not on what an earlier write published', async () => {
    const held: Promise<void>[] = [];
    const { tsdb, ingest, store } = open(join(dir, 'in-flight.db'), held);
    await tsdb.recover();
    await counter(ingest, 'c', T0); // total 1, durable and published
    const [first, second, third] = [gate(), gate(), gate()];
    held.push(first.opened, second.opened, third.opened);

    // Until the store write numbered `written` (from 1) has started, i.e. taken its promise from `held`.
    const started = async (written: number) => {
      while (held.length > 3 - written) await new Promise((resolve) => setImmediate(resolve));
    };
    const a = counter(ingest, 'c', T0 + 1); // total 2, its write held
    await started(1);
    const b = counter(ingest, 'c', T0 + 2); // total 3 on a's pending value, queued behind a's write
    first.open();
    await a; // a's write is durable and published
    await started(2); // b's write is held
    assert.deepEqual(totals(tsdb), { c: 2 });
    // Publishing a must have left b's pending total on the set: c builds on 3, not on a's published 2.
    const c = counter(ingest, 'c', T0 + 3);
    second.open();
    third.open();
    for (const outcome of await Promise.all([b, c])) assert.equal(outcome.acceptedCount, 1);
    assert.deepEqual(totals(tsdb), { c: 4 });
    await store.close();

    const reopened = open(join(dir, 'in-flight.db'));
    await reopened.tsdb.recover();
    assert.deepEqual(totals(reopened.tsdb), { c: 4 });
    await reopened.store.close();
  });

  it('a lone request is written without waiting for another one', async () => {
    const { tsdb, ingest, store } = open(join(dir, 'lone.db'));
    await tsdb.recover();
    const started = performance.now();
    const outcome = await counter(ingest, 'only', T0);
    assert.equal(outcome.acceptedCount, 1);
    // No timer, no linger: the end of the turn is at most a few milliseconds away, even on a loaded host.
    assert.ok(performance.now() - started < 1000);
    await store.close();
  });
});
