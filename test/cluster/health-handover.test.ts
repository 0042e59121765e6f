import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { CheckRecorder } from '../../src/health/check-recorder.js';
import { HealthChecker } from '../../src/health/health-checker.js';
import type { HealthEvents } from '../../src/health/health-events.js';
import { IngestService } from '../../src/ingest/ingest-service.js';
import { EgressGuard } from '../../src/security/egress-guard.js';
import type { HealthFlush, HealthStore } from '../../src/storage/ports.js';
import { PgDatabase } from '../../src/storage/postgres/pg-database.js';
import { PgHealthStore } from '../../src/storage/postgres/pg-health-store.js';
import { migratePostgres } from '../../src/storage/postgres/pg-migrations.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteMetricStore } from '../../src/storage/sqlite/sqlite-metric-store.js';
import { EventBus } from '../../src/support/event-bus.js';
import { Tsdb } from '../../src/tsdb/tsdb.js';
import { POSTGRES, skipUnlessServers } from '../support/binaries.js';
import { createDatabase } from './pg-database.js';
import { eventually } from './replicas.js';
import { WIDE_INGEST_LIMITS } from '../support/ingest-limits.js';

const log = pino({ level: 'silent' });
const RETRIES = 4;

/**
 * The real HealthStore of a replica, whose next flush can be made to fail before it reaches the database
 * (a refused write) or after it committed (the answer lost on the way back): both are retried by the
 * recorder, and neither may lose or double a check.
 */
class FaultyStore {
  fault: 'none' | 'before-commit' | 'answer-lost' = 'none';
  constructor(readonly store: PgHealthStore) {}

  wrap(): HealthStore {
    return new Proxy(this.store, {
      get: (target, property, receiver) => {
        if (property !== 'applyFlush') return Reflect.get(target, property, receiver) as unknown;
        return async (flush: HealthFlush): Promise<boolean> => {
          const fault = this.fault;
          this.fault = 'none';
          if (fault === 'before-commit') throw new Error('connection refused (injected)');
          const applied = await target.applyFlush(flush);
          if (fault === 'answer-lost') throw new Error('connection reset after commit (injected)');
          return applied;
        };
      },
    });
  }
}

interface Replica {
  name: string;
  db: PgDatabase;
  faults: FaultyStore;
  recorder: CheckRecorder;
  checker: HealthChecker;
  close: () => Promise<void>;
}

async function startReplica(name: string, url: string, dir: string, owner: () => string): Promise<Replica> {
  const db = new PgDatabase({ url, max: 2 });
  const faults = new FaultyStore(new PgHealthStore(db));
  const store = faults.wrap();
  // The per-check samples go to this replica's own TSDB (the metric data path is not under test here).
  const file = join(dir, `${name}.db`);
  const sqlite = openDatabase(file, 'normal');
  migrateSqlite(sqlite);
  const tsdb = new Tsdb(new SqliteMetricStore(sqlite, file));
  await tsdb.recover();
  const ingest = new IngestService({
    tsdb,
    limits: WIDE_INGEST_LIMITS,
    isReservedName: () => false,
  });
  const recorder = new CheckRecorder(ingest, store);
  const checker = new HealthChecker({
    store,
    guard: new EgressGuard(['127.0.0.1']),
    defaults: { interval: 1000, timeout: 2000, retries: RETRIES },
    recorder,
    bus: new EventBus<HealthEvents>(log),
    log,
    maxServices: 10,
    concurrency: 2,
    dropSeries: () => Promise.resolve(),
    isAssigned: () => owner() === name,
  });
  return {
    name,
    db,
    faults,
    recorder,
    checker,
    close: async () => {
      checker.stop();
      await db.end();
      await tsdb.store.close();
    },
  };
}

describe('health checks handed over between two replicas on one PostgreSQL', async () => {
  const skip = await skipUnlessServers([POSTGRES]);
  let database: Awaited<ReturnType<typeof createDatabase>>;
  let dir: string;
  let target: Server;
  let failing = false;
  const hits: { ok: boolean }[] = [];

  before(async () => {
    if (skip !== false) return;
    database = await createDatabase();
    const db = new PgDatabase({ url: database.url, max: 1 });
    await migratePostgres(db);
    await db.end();
    dir = mkdtempSync(join(tmpdir(), 'h-health-handover-'));
    target = createServer((_request, response) => {
      hits.push({ ok: !failing });

      response.statusCode = failing ? 503 : 200;
      response.end(failing ? 'down' : 'ok');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    if (skip !== false) return;
    await new Promise((resolve) => target.close(resolve));
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'a service moving mid-hour keeps its failure count and its hour totals are exact, through a refused and a lost-answer flush',
    { skip, timeout: 90_000 },
    async () => {
      let owner = 'a';
      const a = await startReplica('a', database.url, dir, () => owner);
      const b = await startReplica('b', database.url, dir, () => owner);
      try {
        await a.checker.load([]);
        await b.checker.load([]);
        const url = `http://127.0.0.1:${String((target.address() as AddressInfo).port)}/health`;
        await a.checker.add({ name: 'api', url, interval: 1000, retries: RETRIES });
        await b.checker.reload();
        a.checker.start();
        b.checker.start();
        const settle = async (replica: Replica): Promise<void> => {
          // Retries what a fault left unacknowledged (the next flush of the 1 s loop would).
          await eventually(async () => {
            await replica.recorder.flush();
          });
        };

        // Replica A checks: three successes, then two failures (below RETRIES: still up).
        await eventually(() => {
          assert.ok(hits.length >= 3, 'three checks');
        }, 10_000);
        a.faults.fault = 'before-commit';
        await assert.rejects(a.recorder.flush());
        failing = true;
        await eventually(() => {
          assert.ok(a.checker.get('api').tracker.failures >= 2, 'two failures');
        }, 10_000);
        a.faults.fault = 'answer-lost';
        owner = 'nobody'; // the membership is changing: for a moment neither replica checks
        await new Promise((resolve) => setTimeout(resolve, 1500)); // a check in flight finishes
        await assert.rejects(a.recorder.flush()); // committed, but A never heard so
        await settle(a); // the retry: the same flush id, applied nothing more
        const failuresOnA = a.checker.get('api').tracker.failures;
        assert.equal(a.checker.get('api').tracker.state, 'up');
        const failedBeforeMove = hits.filter((h) => !h.ok).length;
        assert.equal(failuresOnA, failedBeforeMove);

        // Replica B takes the service over and continues the count: DOWN after RETRIES failures in all,
        // not after RETRIES more.
        owner = 'b';
        await eventually(() => {
          assert.equal(b.checker.get('api').tracker.state, 'down');
        }, 15_000);
        assert.equal(hits.filter((h) => !h.ok).length, RETRIES, 'down at the RETRIES-th failure overall');
        failing = false;
        await eventually(() => {
          assert.equal(b.checker.get('api').tracker.state, 'up');
        }, 10_000);
        b.faults.fault = 'answer-lost';
        b.checker.stop();
        a.checker.stop();
        await new Promise((resolve) => setTimeout(resolve, 500));
        await assert.rejects(b.recorder.flush());
        await settle(b);
        await settle(a);

        const store = new PgHealthStore(a.db);
        const [service] = await store.loadServices();
        const rows = await store.rollups(service!.id, 0);
        const sum = (pick: (r: (typeof rows)[number]) => number): number =>
          rows.reduce((total, r) => total + pick(r), 0);
        assert.equal(
          sum((r) => r.checks),
          hits.length,
          'every check counted once, by whichever replica',
        );
        assert.equal(
          sum((r) => r.up),
          hits.filter((h) => h.ok).length,
        );
        assert.equal(
          sum((r) => r.buckets.reduce((x, y) => x + y, 0)),
          hits.length,
          'bucket counts add up too',
        );
        const [stored] = await store.healthStates([service!.id]);
        assert.equal(stored?.state, 'up');
        assert.equal(stored.failures, 0);
      } finally {
        await a.close();

        await b.close();
      }
    },
  );
});
