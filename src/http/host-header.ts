import type { FastifyInstance } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from './error-handler.js';
import { problem } from './problem.js';

/**
 * HTTP/1.1 requires a Host header (RFC 9112 §3.2). Node refuses a request without one with a bare 400 and
 * no body; the server is created with `requireHostHeader: false` so the refusal is made here instead, in
 * the problem format of every other error, before authentication.
 */
export function installHostHeaderCheck(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (request.raw.httpVersion !== '1.1' || request.headers.host !== undefined) {
      done();
      return;
    }
    const body = problem(400, 'host_required', 'an HTTP/1.1 request needs a Host header', 'headers.host');
    body.instance = request.url.split('?')[0];
    body.requestId = request.id;
    void reply.status(400).type(PROBLEM_CONTENT_TYPE).header('connection', 'close').send(body);
  });
}
