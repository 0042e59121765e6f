import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { IngestService } from '../ingest/ingest-service.js';
import { migrateSqlite } from '../storage/sqlite/migrations.js';
import { openDatabase } from '../storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../storage/sqlite/sqlite-metric-store.js';
import { WIDE_INGEST_LIMITS } from '../../test/support/ingest-limits.js';
import { Tsdb } from './tsdb.js';

const T0 = Date.UTC(2026, 0, 1);
const limits = WIDE_INGEST_LIMITS;

/** A TSDB on a real SQLite file (a synchronous store: the case end-of-turn grouping is for). */
function open(file: string): { tsdb: Tsdb; ingest: IngestService; store: SqliteMetricStore } {
  const db = openDatabase(file, 'normal');
  migrateSqlite(db);
  const store = new SqliteMetricStore(db, file);
  const tsdb = new Tsdb(store);
  const ingest = new IngestService({ tsdb, limits, isReservedName: () => false, clock: () => T0 + 60_000 });
  return { tsdb, ingest, store };
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
