import type Database from 'better-sqlite3';
import type { PushGroup } from './group-file.js';
import type { PushGroupStore } from './push-group-store.js';

/** The groups in the embedded SQLite file (table push_groups, SQLite migration 10). */
export class SqlitePushGroupStore implements PushGroupStore {
  private readonly stmts;

  constructor(
    private readonly db: Database.Database,
    private readonly closeDb = false,
  ) {
    this.stmts = {
      load: db.prepare('SELECT data FROM push_groups ORDER BY id'),
      save: db.prepare(
        `INSERT INTO push_groups (id, data, expires_at, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
           updated_at = excluded.updated_at`,
      ),
      delete: db.prepare('DELETE FROM push_groups WHERE id = ?'),
      expired: db.prepare('SELECT id FROM push_groups WHERE expires_at <= ? ORDER BY id'),
    };
  }

  load(): Promise<PushGroup[]> {
    const rows = this.stmts.load.all() as { data: string }[];
    return Promise.resolve(rows.map((row) => JSON.parse(row.data) as PushGroup));
  }

  save(id: string, group: PushGroup, expiresAt: number | null, at: number): Promise<void> {
    this.stmts.save.run(id, JSON.stringify(group), expiresAt, at);
    return Promise.resolve();
  }

  delete(id: string): Promise<boolean> {
    return Promise.resolve(this.stmts.delete.run(id).changes > 0);
  }

  expired(now: number): Promise<string[]> {
    return Promise.resolve((this.stmts.expired.all(now) as { id: string }[]).map((row) => row.id));
  }

  close(): Promise<void> {
    if (this.closeDb && this.db.open) this.db.close();
    return Promise.resolve();
  }
}
