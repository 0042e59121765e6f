import type { StoredHeartbeat } from './ports.js';

/** A `health_beats` row as both adapters read it (same table and column names in SQLite and PostgreSQL). */
export interface BeatRow {
  service_id: number;
  at: number;
  state: StoredHeartbeat['state'];
  duration_ms: number;
  status_code: number | null;
  reason_code: string | null;
  reason: string | null;
}

export const toBeat = (r: BeatRow): StoredHeartbeat => ({
  serviceId: r.service_id,
  at: r.at,
  state: r.state,
  durationMs: r.duration_ms,
  statusCode: r.status_code,
  reasonCode: r.reason_code,
  reason: r.reason,
});
