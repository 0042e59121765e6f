import type { StatusKind, StatusStore, StoredStatusDocument } from '../ports.js';
import type { PgDatabase } from './pg-database.js';

interface StatusRow {
  id: string;
  page: string;
  data: string;
  updated_at: number;
}

/** Status pages, incidents and maintenance windows on PostgreSQL: the SQLite adapter's one table. */
export class PgStatusStore implements StatusStore {
  constructor(private readonly db: PgDatabase) {}

  async load(kind: StatusKind): Promise<StoredStatusDocument[]> {
    const rows = await this.db.rows<StatusRow>(
      'SELECT id, page, data, updated_at FROM status_documents WHERE kind = $1 ORDER BY id',
      [kind],
    );
    return rows.map((r) => ({ id: r.id, page: r.page, data: r.data, updatedAt: r.updated_at }));
  }

  async save(kind: StatusKind, document: StoredStatusDocument): Promise<void> {
    await this.db.query(
      `INSERT INTO status_documents (kind, id, page, data, updated_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (kind, id) DO UPDATE SET page = EXCLUDED.page, data = EXCLUDED.data, updated_at = EXCLUDED.updated_at`,
      [kind, document.id, document.page, document.data, document.updatedAt],
    );
  }

  async remove(kind: StatusKind, id: string): Promise<void> {
    await this.db.query('DELETE FROM status_documents WHERE kind = $1 AND id = $2', [kind, id]);
  }
}
