/**
 * Ordered schema migrations of the embedded store. Append only: a released migration never changes.
 * WITHOUT ROWID tables keep (series_id, min_t) as the storage order, so a series' chunks sit together.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE families (
    name TEXT PRIMARY KEY,
    type TEXT NOT NULL,
    help TEXT NOT NULL,
    unit TEXT NOT NULL,
    category TEXT NOT NULL,
    buckets TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE series (
    id INTEGER PRIMARY KEY,
    family TEXT NOT NULL,
    labels TEXT NOT NULL,
    role TEXT NOT NULL,
    le REAL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE wal (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    data BLOB NOT NULL
  );
  CREATE TABLE chunks (
    series_id INTEGER NOT NULL,
    min_t INTEGER NOT NULL,
    max_t INTEGER NOT NULL,
    count INTEGER NOT NULL,
    data BLOB NOT NULL,
    PRIMARY KEY (series_id, min_t)
  ) WITHOUT ROWID;
  CREATE INDEX chunks_max_t ON chunks (max_t);
  `,
];
