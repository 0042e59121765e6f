import type { PgDatabase, Queryable } from './pg-database.js';

/** The `meta` table (small facts kept across restarts), shared by the stores that need one. */
export class PgMeta {
  constructor(private readonly db: PgDatabase) {}

  async get(key: string): Promise<string | undefined> {
    const [row] = await this.db.rows<{ value: string }>('SELECT value FROM meta WHERE key = $1', [key]);
    return row?.value;
  }

  async set(key: string, value: string): Promise<void> {
    await this.db.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      [key, value],
    );
  }

  /** Keeps the first value written under `key` and returns it (one statement: no window for a race). */
  async setIfAbsent(key: string, value: string): Promise<string> {
    const [row] = await this.db.rows<{ value: string }>(
      `WITH inserted AS (
         INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING RETURNING value)
       SELECT value FROM inserted UNION ALL SELECT value FROM meta WHERE key = $1`,
      [key, value],
    );
    // A concurrent winner's row is invisible to this statement's snapshot until it commits; ask again then.
    return row?.value ?? (await this.get(key)) ?? value;
  }

  /** Inserts the row only if `key` is absent, inside the caller's transaction; true when it did. */
  static async insertIfAbsent(client: Queryable, key: string, value: string): Promise<boolean> {
    const result = await client.query(
      'INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING',
      [key, value],
    );
    return (result.rowCount ?? 0) > 0;
  }
}
