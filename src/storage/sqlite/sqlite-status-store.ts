import type Database from 'better-sqlite3';
import type { StatusKind, StatusStore, StoredStatusDocument } from '../ports.js';

/** Status pages, incidents and maintenance windows in the embedded SQLite file (same connection). */
export class SqliteStatusStore implements StatusStore {
  private readonly stmts;

  constructor(db: Database.Database) {
    this.stmts = {
      load: db.prepare(
        'SELECT id, page, data, updated_at AS updatedAt FROM status_documents WHERE kind = ? ORDER BY id',
      ),
      save: db.prepare(
        'INSERT OR REPLACE INTO status_documents (kind, id, page, data, updated_at) VALUES (?, ?, ?, ?, ?)',
      ),
      remove: db.prepare('DELETE FROM status_documents WHERE kind = ? AND id = ?'),
    };
  }

  load(kind: StatusKind): Promise<StoredStatusDocument[]> {
    return Promise.resolve(this.stmts.load.all(kind) as StoredStatusDocument[]);
  }

  save(kind: StatusKind, document: StoredStatusDocument): Promise<void> {
    this.stmts.save.run(kind, document.id, document.page, document.data, document.updatedAt);
    return Promise.resolve();
  }

  remove(kind: StatusKind, id: string): Promise<void> {
    this.stmts.remove.run(kind, id);
    return Promise.resolve();
  }
}
