import { DomainError } from '../domain/errors.js';
import { isoTime, isoTimeOrNull } from '../domain/time-range.js';
import type { EventBus } from '../support/event-bus.js';
import type { AuthStore, StoredApiToken, TokenScope } from '../storage/ports.js';
import type { AuthEvents } from './auth-events.js';
import { issueToken } from './opaque-token.js';

export interface ApiTokenView {
  id: string;
  name: string;
  scopes: TokenScope[];
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export function apiTokenView(token: StoredApiToken): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    scopes: token.scopes,
    createdBy: token.createdBy,
    // Clamped: a token stored with an infinite expiry by an older version must not keep the list at 500.
    createdAt: isoTime(token.createdAt),
    expiresAt: isoTimeOrNull(token.expiresAt),
    lastUsedAt: isoTimeOrNull(token.lastUsedAt),
    revokedAt: isoTimeOrNull(token.revokedAt),
  };
}

/** How often a token's last use is written down: every request would turn reads into writes. */
const TOUCH_EVERY_MS = 60_000;

/** Machine tokens: scoped, stored as hashes, shown once, revoked (never deleted, so the audit stays legible). */
export class ApiTokens {
  private readonly touched = new Map<string, number>();

  constructor(
    private readonly store: AuthStore,
    private readonly bus: EventBus<AuthEvents>,
  ) {}

  async create(input: {
    name: string;
    scopes: TokenScope[];
    expiresInSeconds?: number;
    createdBy: string;
  }): Promise<{ token: string; view: ApiTokenView }> {
    const issued = issueToken('mst');
    const now = Date.now();
    const stored: StoredApiToken = {
      id: issued.id,
      name: input.name,
      hash: issued.hash,
      scopes: [...new Set(input.scopes)],
      createdBy: input.createdBy,
      createdAt: now,
      expiresAt: input.expiresInSeconds === undefined ? null : now + input.expiresInSeconds * 1000,
      lastUsedAt: null,
      revokedAt: null,
    };
    await this.store.saveApiToken(stored);
    return { token: issued.token, view: apiTokenView(stored) };
  }

  list(): Promise<StoredApiToken[]> {
    return this.store.listApiTokens();
  }

  get(id: string): Promise<StoredApiToken | undefined> {
    return this.store.getApiToken(id);
  }

  async revoke(id: string): Promise<ApiTokenView> {
    const token = await this.store.getApiToken(id);
    if (token === undefined) throw new DomainError('token_not_found', 404, `no API token ${id}`, 'id');
    const revoked = { ...token, revokedAt: token.revokedAt ?? Date.now() };
    await this.store.saveApiToken(revoked);
    this.bus.emit('credentials.revoked', { tokenId: id });
    return apiTokenView(revoked);
  }

  async used(id: string): Promise<void> {
    const now = Date.now();
    if (now - (this.touched.get(id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(id, now);
    await this.store.markApiTokenUsed(id, now);
  }
}
