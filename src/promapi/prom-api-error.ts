/** An error of the Prometheus HTTP API, answered in its envelope: `{status:"error", errorType, error}`. */
export type PromErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal' | 'unavailable';

export class PromApiError extends Error {
  constructor(
    readonly errorType: PromErrorType,
    message: string,
    /** Prometheus answers bad_data with 400, execution with 422, unavailable with 503. */
    readonly statusCode = errorType === 'bad_data' ? 400 : errorType === 'execution' ? 422 : 503,
  ) {
    super(message);
  }
}
