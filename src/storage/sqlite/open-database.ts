import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export type SyncMode = 'normal' | 'full';

/**
 * Opens the SQLite file with the settings the store relies on:
 * - WAL journal: readers never block the writer; a committed transaction survives a killed process.
 * - synchronous=NORMAL survives process crashes (kill -9); FULL also survives power loss, at one fsync
 *   per commit.
 * - busy_timeout: another connection (a backup, an operator's sqlite3 shell) makes us wait, not fail.
 * - New files only (both settings are fixed once a table exists): 8 KiB pages waste less of each page on
 *   ~500-byte chunk rows, and incremental auto-vacuum lets retention give freed pages back to the OS
 *   (see `releaseFreePages`) instead of the file keeping its high-water size forever.
 */
export function openDatabase(file: string, sync: SyncMode): Database.Database {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('page_size = 8192');
  db.pragma('auto_vacuum = INCREMENTAL');
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${sync === 'full' ? 'FULL' : 'NORMAL'}`);
  db.pragma('busy_timeout = 5000');
  db.pragma('temp_store = MEMORY');
  // Keep the -wal file from growing without bound between automatic checkpoints.
  db.pragma('journal_size_limit = 67108864');
  return db;
}

/** Returns up to `maxPages` free pages to the file system; a no-op on files created without auto-vacuum. */
export function releaseFreePages(db: Database.Database, maxPages: number): void {
  db.pragma(`incremental_vacuum(${String(Math.max(1, Math.floor(maxPages)))})`);
}
