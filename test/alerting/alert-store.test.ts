import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { migrateSqlite } from '../../src/storage/sqlite/migrations.js';
import { openDatabase } from '../../src/storage/sqlite/open-database.js';
import { SqliteAlertStore } from '../../src/storage/sqlite/sqlite-alert-store.js';

describe('alert store (SQLite file)', () => {
  it('keeps resolved alerts for ALERTS_TTL, with their notifications; active ones stay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'metrics-alert-store-'));
    const db = openDatabase(join(dir, 'metrics.db'), 'normal');
    migrateSqlite(db);
    const store = new SqliteAlertStore(db);
    const day = 86_400_000;
    const now = Date.now();
    const alert = (id: string, state: string, resolvedAt: number | null) => ({
      id,
      ruleId: 'r',
      fingerprint: id,
      state,
      severity: 'high',
      startedAt: now - 100 * day,
      resolvedAt,
      updatedAt: now,
      data: '{}',
    });
    await store.saveAlert(alert('old', 'resolved', now - 95 * day));
    await store.saveAlert(alert('recent', 'resolved', now - day));
    await store.saveAlert(alert('firing', 'firing', null));
    await store.enqueue([
      {
        idempotencyKey: 'old:1',
        alertId: 'old',
        channel: '{}',
        payload: '{}',
        nextAttemptAt: now,
        createdAt: now,
        expiresAt: now,
      },
      {
        idempotencyKey: 'old:1',
        alertId: 'old',
        channel: '{}',
        payload: '{}',
        nextAttemptAt: now,
        createdAt: now,
        expiresAt: now,
      },
    ]);
    assert.equal((await store.notificationsOf('old')).length, 1, 'one row per idempotency key');
    assert.equal(await store.deleteAlertsBefore(now - 90 * day), 1);
    assert.equal(await store.getAlert('old'), undefined);
    assert.equal((await store.notificationsOf('old')).length, 0);
    assert.deepEqual((await store.listAlerts({ limit: 10 })).map((a) => a.id).sort(), ['firing', 'recent']);
    assert.deepEqual(
      (await store.listAlerts({ states: ['firing'], limit: 10 })).map((a) => a.id),
      ['firing'],
    );
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
