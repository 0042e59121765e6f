import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { emptyRollup, HOUR_MS, addCheck } from '../../src/health/rollup.js';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteHealthStore } from '../../src/storage/sqlite/sqlite-health-store.js';

describe('health store (SQLite file)', () => {
  it('keeps roll-ups and state changes for HEALTH_CHECKS_TTL, and deletes a service with its history', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-health-store-'));
    const db = openDatabase(join(dir, 'metrics.db'), 'normal');
    migrateSqlite(db);
    const store = new SqliteHealthStore(db);
    const now = Date.now();
    const hour = Math.floor(now / HOUR_MS);
    const a = await store.saveService('a', '{"name":"a"}', 'api', now);
    const b = await store.saveService('b', '{"name":"b"}', 'file', now);
    assert.equal(
      await store.saveService('a', '{"name":"a","retries":1}', 'api', now + 1),
      a,
      'id kept on update',
    );
    const rows = [hour - 24 * 40, hour - 24 * 10, hour].flatMap((h) =>
      [a, b].map((id) => {
        const r = emptyRollup(id, h);
        addCheck(r, true, false, 42);
        return r;
      }),
    );
    await store.saveRollups(rows);
    await store.appendEvents([
      {
        serviceId: a,
        at: now - 40 * 86_400_000,
        state: 'down',
        previous: 'up',
        reasonCode: 'timeout',
        reason: 't',
      },
      { serviceId: a, at: now, state: 'up', previous: 'down', reasonCode: null, reason: null },
    ]);
    const cutoff = now - 30 * 86_400_000;
    assert.equal(await store.deleteHealthBefore([a, b], cutoff), 3); // two old roll-ups, one old event
    assert.deepEqual(
      (await store.rollups(a, 0)).map((r) => r.hour),
      [hour - 240, hour],
    );
    assert.equal((await store.events(a, 0, 10)).length, 1);
    assert.deepEqual((await store.rollups(a, hour))[0]?.buckets, rows.at(-2)?.buckets, 'buckets round-trip');
    await store.deleteService(a);
    assert.deepEqual(
      (await store.loadServices()).map((s) => [s.name, s.origin]),
      [['b', 'file']],
    );
    assert.equal((await store.rollups(a, 0)).length, 0);
    assert.equal((await store.latestEvents()).length, 0);
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
