import { DomainError } from '../domain/errors.js';

/**
 * A write refused because this replica does not hold the primary lease (never had it, or was deposed:
 * the database's fence refused its epoch). Nothing was written; the client retries, by then through the
 * new primary. 503 with Retry-After, under the stable code `store_unavailable`.
 */
export class NotPrimaryError extends DomainError {
  constructor(why: string) {
    super(
      'store_unavailable',
      503,
      `this replica is not the primary, nothing was written: ${why}`,
      undefined,
      {
        retryAfter: 1,
      },
    );
  }
}
