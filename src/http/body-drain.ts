import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

export interface BodyDrainLimits {
  /** BODY_DRAIN_LIMIT_BYTES: body bytes read and discarded after the answer; 0 closes at once. */
  maxBytes: number;
  /** BODY_DRAIN_TIMEOUT: how long the rest of the body may take to arrive (ms). */
  timeoutMs: number;
}

/**
 * An answer sent before the request body has arrived (413 over BODY_LIMIT_BYTES, 401, 404, 415…) must
 * reach the client. Fastify marks such answers `Connection: close`, and Node then closes the socket while
 * the client is still sending: the kernel answers the unread bytes with a reset, which also discards the
 * answer from the client's receive buffer before a client that reads after sending (curl, requests, most
 * SDKs) sees it.
 *
 * Instead the connection stays open and the rest of the body is read and thrown away, up to `maxBytes`
 * and `timeoutMs`; the connection is then reusable, framing intact. Past either bound the socket is
 * destroyed: a body that much larger than the limit may still see a reset (the documented exception), but
 * nothing unbounded is ever read. Called by the error and not-found handlers, the only answers that can
 * come before the body, so successful requests pay nothing for it.
 */
export function drainAfterAnswer(
  request: FastifyRequest,
  reply: FastifyReply,
  limits: BodyDrainLimits,
): void {
  // inject()'s requests have no socket to drain (and no `complete` flag: it reads as not complete).
  if (limits.maxBytes === 0 || request.raw.complete || !(request.raw.socket instanceof Socket)) return;
  if (reply.getHeader('connection') === 'close') reply.removeHeader('connection');
  // Node's own 'finish' listener runs first and starts dumping a body nobody read.
  reply.raw.once('finish', () => {
    if (!request.raw.complete && !request.raw.destroyed) drain(request.raw, limits);
  });
}

function drain(request: IncomingMessage, limits: BodyDrainLimits): void {
  let discarded = 0;
  const stop = (): void => {
    clearTimeout(timer);
    request.off('data', count);
    request.off('end', stop);
    request.off('close', stop);
  };
  const cut = (): void => {
    stop();
    request.socket.destroy();
  };
  const count = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) cut();
  };
  const timer = setTimeout(cut, limits.timeoutMs);
  timer.unref();
  request.on('data', count);
  request.once('end', stop);
  request.once('close', stop);
  // Node dumps an unread body itself once the answer is sent; a body a parser stopped reading must flow too.
  request.resume();
}
