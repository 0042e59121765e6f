import type Database from 'better-sqlite3';

/** The `meta` table (small facts kept across restarts), shared by the stores that need one. */
export class SqliteMeta {
  private readonly read;
  private readonly write;

  constructor(db: Database.Database) {
    this.read = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.write = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve((this.read.get(key) as { value: string } | undefined)?.value);
  }

  set(key: string, value: string): Promise<void> {
    this.write.run(key, value);
    return Promise.resolve();
  }
}
