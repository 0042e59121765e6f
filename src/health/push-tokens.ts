import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** Where the token hashes are kept: the alert store's small key/value facts (both adapters have them). */
export interface MetaStore {
  getMeta(key: string): Promise<string | undefined>;
  setMeta(key: string, value: string): Promise<void>;
}

/** Who a token belongs to: the service, as created at that time (a deleted and re-added one is another). */
export interface PushTokenOwner {
  service: string;
  createdAt: number;
}

const BY_HASH = 'health.push-token.';
const OF_SERVICE = 'health.push-token-of.';
/** Tokens read as what they are in logs and secret scanners. */
const PREFIX = 'hb_';

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

/**
 * Push monitors' secrets. A token is 32 random bytes, shown once when issued; only its SHA-256 is kept, as
 * the key it is looked up by (the lookup costs the same whatever the token, and a leaked store holds no
 * usable token). Issuing again rotates: the previous token stops working at once.
 */
export class PushTokens {
  constructor(private readonly store: MetaStore) {}

  async issue(owner: PushTokenOwner): Promise<string> {
    const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
    const hash = hashOf(token);
    const previous = await this.store.getMeta(OF_SERVICE + owner.service);
    await this.store.setMeta(BY_HASH + hash, JSON.stringify(owner));
    await this.store.setMeta(OF_SERVICE + owner.service, hash);
    if (previous !== undefined && previous !== '') await this.store.setMeta(BY_HASH + previous, '');
    return token;
  }

  /** The owner of a token, or undefined for an unknown, rotated or malformed one. */
  async find(token: string): Promise<PushTokenOwner | undefined> {
    if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
    const hash = hashOf(token);
    const stored = await this.store.getMeta(BY_HASH + hash);
    if (stored === undefined || stored === '') return undefined;
    // The service's current hash must still be this one (a rotation racing on another replica).
    const current =
      (await this.store.getMeta(OF_SERVICE + (JSON.parse(stored) as PushTokenOwner).service)) ?? '';
    if (current.length !== hash.length || !timingSafeEqual(Buffer.from(current), Buffer.from(hash)))
      return undefined;
    return JSON.parse(stored) as PushTokenOwner;
  }
}
