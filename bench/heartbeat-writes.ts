import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HEARTBEATS_KEPT, type StoredHeartbeat } from '../src/storage/ports.js';
import { migrateSqlite } from '../src/storage/sqlite/migrations.js';
import { openDatabase } from '../src/storage/sqlite/open-database.js';
import { SqliteHeartbeats } from '../src/storage/sqlite/sqlite-heartbeats.js';
import { report, tempDir } from './support.js';

/**
 * What persisting the heartbeat bars (ADR 0032) costs per health check on SQLite: 2,000 services that
 * already hold more than HEARTBEATS_KEPT beats each, flushes of 100 checks (a 20 s interval's second),
 * each written as the recorder does (insert + prune per service, in the flush's transaction). Baseline in
 * the same run: the same flushes as inserts alone, so the ratio is what the pruning adds.
 */
export function benchHeartbeatWrites(services = 2000, flushes = 600, perFlush = 100): void {
  const dir = tempDir('heartbeats');
  const db = openDatabase(join(dir, 'beats.db'), 'normal');
  migrateSqlite(db);
  const beats = new SqliteHeartbeats(db);
  const insertOnly = db.prepare(
    `INSERT OR IGNORE INTO health_beats (service_id, at, state, duration_ms, status_code, reason_code, reason)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  let at = Date.UTC(2026, 0, 1);
  const batch = (): StoredHeartbeat[] => {
    const out: StoredHeartbeat[] = [];
    for (let i = 0; i < perFlush; i++)
      out.push({
        serviceId: (at / 1000 + i) % services,
        at,
        state: 'up',
        durationMs: 3,
        statusCode: 200,
        reasonCode: null,
        reason: null,
      });
    at += 1000;
    return out;
  };
  const withPrune = db.transaction((list: StoredHeartbeat[]) => {
    beats.write(list);
  });
  const withoutPrune = db.transaction((list: StoredHeartbeat[]) => {
    for (const b of list)
      insertOnly.run(b.serviceId, b.at, b.state, b.durationMs, b.statusCode, b.reasonCode, b.reason);
  });
  // Fill: every service past the kept count, so each prune deletes.
  for (let i = 0; i < (services * (HEARTBEATS_KEPT + 10)) / perFlush; i++) withPrune(batch());
  const cpuPerCheck = (write: (list: StoredHeartbeat[]) => void): number => {
    const lists = Array.from({ length: flushes }, batch);
    const start = process.cpuUsage();
    for (const list of lists) write(list);
    const used = process.cpuUsage(start);
    return (used.user + used.system) / (flushes * perFlush);
  };
  // Alternated twice, the median-free way to cancel a slow start: each figure is the mean of its two runs.
  const pruned = (cpuPerCheck(withPrune) + cpuPerCheck(withPrune)) / 2;
  const plain = (cpuPerCheck(withoutPrune) + cpuPerCheck(withoutPrune)) / 2;
  db.close();
  rmSync(dir, { recursive: true, force: true });
  report('heartbeat_writes', {
    services,
    checks_per_flush: perFlush,
    cpu_us_per_check: pruned.toFixed(1),
    insert_only_cpu_us_per_check: plain.toFixed(1),
    ratio_to_insert_only: (pruned / plain).toFixed(2),
  });
}
