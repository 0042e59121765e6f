import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it } from 'node:test';
import {
  FORWARDED_BY_HEADER,
  FORWARDED_SIGNATURE_HEADER,
  signForwardedRequest,
  verifyForwardedRequest,
  type ForwardedRequest,
} from './forwarded-request-signature.js';
import { sign } from './replica-signature.js';

const SECRET = randomBytes(32);
const NOW = 1_790_000_000_000;
const FORWARDED: ForwardedRequest = {
  method: 'POST',
  url: '/api/v1/write?tenant=a',
  authorization: 'Bearer some-token',
  forwardedBy: 'replica-1:abc',
};

/** The request as the primary receives it, with the follower's headers. */
function arriving(
  signature: string | undefined,
  overrides: { method?: string; url?: string; headers?: IncomingHttpHeaders } = {},
): { method: string; url: string; headers: IncomingHttpHeaders } {
  return {
    method: overrides.method ?? FORWARDED.method,
    url: overrides.url ?? FORWARDED.url,
    headers: {
      authorization: FORWARDED.authorization,
      [FORWARDED_BY_HEADER]: FORWARDED.forwardedBy,
      ...(signature === undefined ? {} : { [FORWARDED_SIGNATURE_HEADER]: signature }),
      ...overrides.headers,
    },
  };
}

describe('forwarded request signature', () => {
  it('verifies what the forwarding replica signed, within the allowed clock skew', () => {
    const signature = signForwardedRequest(SECRET, FORWARDED, NOW);
    assert.match(signature, /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(verifyForwardedRequest(SECRET, arriving(signature), NOW), 'verified');
    assert.equal(verifyForwardedRequest(SECRET, arriving(signature), NOW + 60_000), 'verified');
    assert.equal(verifyForwardedRequest(SECRET, arriving(signature), NOW - 60_000), 'verified');
  });

  it('a request with neither header was not forwarded', () => {
    const request = { method: 'POST', url: '/api/v1/write', headers: { authorization: 'Bearer x' } };
    assert.equal(verifyForwardedRequest(SECRET, request, NOW), 'not-forwarded');
  });

  it('the forwarded mark alone, or a signature alone, is invalid', () => {
    assert.equal(verifyForwardedRequest(SECRET, arriving(undefined), NOW), 'invalid');
    const signature = signForwardedRequest(SECRET, FORWARDED, NOW);
    const withoutMark = arriving(signature, { headers: { [FORWARDED_BY_HEADER]: undefined } });
    assert.equal(verifyForwardedRequest(SECRET, withoutMark, NOW), 'invalid');
  });

  it('a stale signature is invalid (more than 5 minutes either way)', () => {
    const signature = signForwardedRequest(SECRET, FORWARDED, NOW);
    assert.equal(verifyForwardedRequest(SECRET, arriving(signature), NOW + 5 * 60_000 + 1), 'invalid');
    assert.equal(verifyForwardedRequest(SECRET, arriving(signature), NOW - 5 * 60_000 - 1), 'invalid');
  });

  it('a signature made with another key, or forged, or malformed, is invalid', () => {
    const other = signForwardedRequest(randomBytes(32), FORWARDED, NOW);
    assert.equal(verifyForwardedRequest(SECRET, arriving(other), NOW), 'invalid');
    const forged = `t=${String(NOW)},v1=${'0'.repeat(64)}`;
    assert.equal(verifyForwardedRequest(SECRET, arriving(forged), NOW), 'invalid');
    for (const malformed of ['', 'garbage', `t=${String(NOW)}`, `t=${String(NOW)},v1=abc`])
      assert.equal(verifyForwardedRequest(SECRET, arriving(malformed), NOW), 'invalid', malformed);
  });

  it('covers the method, URL, credential and forwarding replica: changing any one invalidates it', () => {
    const signature = signForwardedRequest(SECRET, FORWARDED, NOW);
    const altered = [
      arriving(signature, { method: 'PUT' }),
      arriving(signature, { url: '/api/v1/write?tenant=b' }),
      arriving(signature, { headers: { authorization: 'Bearer another-token' } }),
      arriving(signature, { headers: { authorization: undefined } }),
      arriving(signature, { headers: { [FORWARDED_BY_HEADER]: 'replica-2:def' } }),
    ];
    for (const request of altered)
      assert.equal(verifyForwardedRequest(SECRET, request, NOW), 'invalid', JSON.stringify(request));
  });

  it('signs a request without a credential too (anonymous writes when auth is off)', () => {
    const anonymous = { ...FORWARDED, authorization: undefined };
    const signature = signForwardedRequest(SECRET, anonymous, NOW);
    const request = arriving(signature, { headers: { authorization: undefined } });
    assert.equal(verifyForwardedRequest(SECRET, request, NOW), 'verified');
    // An empty Authorization header is not the same request as none.
    const empty = arriving(signature, { headers: { authorization: '' } });
    assert.equal(verifyForwardedRequest(SECRET, empty, NOW), 'invalid');
  });

  it("is not interchangeable with the replica-samples route's signature of a body", () => {
    // The replica-samples route signs a JSON object body with the same key: a signature of any body is
    // never a forwarded request's, whatever the body says.
    const body = Buffer.from(JSON.stringify({ sender: FORWARDED.forwardedBy, seq: 1, batches: [] }));
    assert.equal(verifyForwardedRequest(SECRET, arriving(sign(SECRET, body, NOW)), NOW), 'invalid');
  });
});
