import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import { FORWARDED_BY_HEADER, verifyForwardedRequest } from './forwarded-request-signature.js';

/**
 * The rate limiter's exemption on a scaled-out replica: a write a follower forwarded here was counted
 * there already, under the same shared Redis key, so counting it again would halve the client's limit.
 * Only a request whose forwarding signature verifies is exempt; anything else (no signature, a forged or
 * stale one, the forwarded mark alone: what a client can send itself) is counted as usual, and logged.
 */
export function countedByForwardingReplica(
  secret: Buffer,
  log: FastifyBaseLogger,
  clock: () => number = Date.now,
): (request: FastifyRequest) => boolean {
  return (request) => {
    const verdict = verifyForwardedRequest(secret, request, clock());
    if (verdict === 'invalid')
      log.warn(
        {
          reqId: request.id,
          forwardedBy: request.headers[FORWARDED_BY_HEADER],
          method: request.method,
          url: request.url,
        },
        'forwarded request with a missing or invalid signature: rate-limited here as a client request',
      );
    return verdict === 'verified';
  };
}
