import type { AuditEntry, AuditFilter, AuthStore } from '../storage/ports.js';

/** An entry as the API shows it: its id, and the time in ISO 8601. */
export type AuditView = Omit<AuditEntry, 'at'> & { id: number; at: string };

/**
 * Who changed what: every accepted change of rules, services, channels, silences, alerts, users and
 * tokens, with the actor, the route, its parameters (never the body: it may hold passwords or webhook
 * URLs), the answer's status, the client address and the request id that ties it to the logs.
 */
export class AuditLog {
  constructor(private readonly store: AuthStore) {}

  record(entry: AuditEntry): Promise<void> {
    return this.store.appendAudit(entry);
  }

  async list(filter: AuditFilter): Promise<AuditView[]> {
    return (await this.store.listAudit(filter)).map((entry) => ({
      ...entry,
      at: new Date(entry.at).toISOString(),
    }));
  }

  /** AUDIT_TTL: entries older than the cut-off go. */
  prune(cutoff: number): Promise<number> {
    return this.store.deleteAuditBefore(cutoff);
  }
}
