import type Database from 'better-sqlite3';

/** The `meta` table (small facts kept across restarts), shared by the stores that need one. */
export class SqliteMeta {
  private readonly read;
  private readonly write;
  private readonly writeIfAbsent;

  constructor(db: Database.Database) {
    this.read = db.prepare('SELECT value FROM meta WHERE key = ?');
    this.write = db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)');
    this.writeIfAbsent = db.prepare(
      'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING',
    );
  }

  get(key: string): Promise<string | undefined> {
    return Promise.resolve((this.read.get(key) as { value: string } | undefined)?.value);
  }

  /** Keeps the first value written under `key` and returns it. */
  async setIfAbsent(key: string, value: string): Promise<string> {
    this.writeIfAbsent.run(key, value);
    return (await this.get(key)) ?? value;
  }

  /** Inserts the row only if `key` is absent; true when this call inserted it. */
  insertIfAbsent(key: string, value: string): boolean {
    return this.writeIfAbsent.run(key, value).changes > 0;
  }

  set(key: string, value: string): Promise<void> {
    this.write.run(key, value);
    return Promise.resolve();
  }
}
