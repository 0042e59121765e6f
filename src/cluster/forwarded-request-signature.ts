import type { IncomingHttpHeaders } from 'node:http';
import { sign, verify } from './replica-signature.js';

/** Marks a forwarded request (its value: the forwarding replica): a replica never forwards one again. */
export const FORWARDED_BY_HEADER = 'x-metrics-service-forwarded-by';
/** The forwarding replica's signature of the request: `t=<ms since epoch>,v1=<hex HMAC>`. */
export const FORWARDED_SIGNATURE_HEADER = 'x-metrics-service-forwarded-signature';

/** What a follower signs of a request it forwards: all that is known before the streamed body. */
export interface ForwardedRequest {
  method: string;
  /** The path and query, as sent on (`request.url`). */
  url: string;
  /** The client's Authorization header, the credential the primary checks again. */
  authorization: string | undefined;
  /** The forwarding replica (the FORWARDED_BY_HEADER value). */
  forwardedBy: string;
}

export type ForwardedVerdict = 'not-forwarded' | 'verified' | 'invalid';

/**
 * The signed text: a JSON array, so no field can run into the next, tagged so it is never a valid body
 * of the replica-samples route (a JSON object) signed with the same key, nor the reverse.
 */
function signedText(request: ForwardedRequest): Buffer {
  return Buffer.from(
    JSON.stringify([
      'forwarded-request/v1',
      request.method,
      request.url,
      request.authorization ?? null,
      request.forwardedBy,
    ]),
  );
}

/** The FORWARDED_SIGNATURE_HEADER value of `request` forwarded at `now`, signed with the cluster key. */
export function signForwardedRequest(secret: Buffer, request: ForwardedRequest, now: number): string {
  return sign(secret, signedText(request), now);
}

/**
 * Whether a request that arrived here was forwarded by a replica of this cluster: `verified` only when
 * its signature covers this method, URL, Authorization header and forwarding replica, with the cluster
 * key, within the clock skew replica-signature.ts allows; `not-forwarded` when it carries neither
 * header; `invalid` otherwise (a forged, stale or altered signature, or the forwarded mark alone).
 */
export function verifyForwardedRequest(
  secret: Buffer,
  request: { method: string; url: string; headers: IncomingHttpHeaders },
  now: number,
): ForwardedVerdict {
  const forwardedBy = request.headers[FORWARDED_BY_HEADER];
  const signature = request.headers[FORWARDED_SIGNATURE_HEADER];
  if (forwardedBy === undefined && signature === undefined) return 'not-forwarded';
  if (typeof forwardedBy !== 'string' || typeof signature !== 'string') return 'invalid';
  const signed = signedText({
    method: request.method,
    url: request.url,
    authorization: request.headers.authorization,
    forwardedBy,
  });
  return verify(secret, signed, signature, now) ? 'verified' : 'invalid';
}
