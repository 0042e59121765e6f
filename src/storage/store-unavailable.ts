import { DomainError } from '../domain/errors.js';

/**
 * The store cannot be reached (connection refused, lost, or the server shutting down). The write was not
 * committed, so the request answers 503 `store_unavailable` and the client retries; the pool reconnects by
 * itself when the database is back.
 */
export class StoreUnavailableError extends DomainError {
  constructor(cause: string) {
    super('store_unavailable', 503, `the store is unavailable, nothing was written: ${cause}`);
  }
}
