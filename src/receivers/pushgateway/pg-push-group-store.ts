import type { PgDatabase } from '../../storage/postgres/pg-database.js';
import type { PushGroup } from './group-file.js';
import type { PushGroupStore } from './push-group-store.js';

/** The groups on PostgreSQL (table push_groups, PostgreSQL migration 3), shared by every replica. */
export class PgPushGroupStore implements PushGroupStore {
  constructor(
    private readonly db: PgDatabase,
    private readonly endPool = false,
  ) {}

  async load(): Promise<PushGroup[]> {
    const rows = await this.db.rows<{ data: string }>('SELECT data FROM push_groups ORDER BY id');
    return rows.map((row) => JSON.parse(row.data) as PushGroup);
  }

  async save(id: string, group: PushGroup, expiresAt: number | null, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO push_groups (id, data, expires_at, updated_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at,
         updated_at = excluded.updated_at`,
      [id, JSON.stringify(group), expiresAt, at],
    );
  }

  async delete(id: string): Promise<boolean> {
    return ((await this.db.query('DELETE FROM push_groups WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async expired(now: number): Promise<string[]> {
    const rows = await this.db.rows<{ id: string }>(
      'SELECT id FROM push_groups WHERE expires_at <= $1 ORDER BY id',
      [now],
    );
    return rows.map((row) => row.id);
  }

  async close(): Promise<void> {
    if (this.endPool) await this.db.end();
  }
}
