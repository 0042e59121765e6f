import { maxHeaderSize, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { PROBLEM_CONTENT_TYPE } from './error-handler.js';
import { problem, type Problem } from './problem.js';

/**
 * Node's `clientError`: requests the HTTP parser refused before any route could see them (a header block
 * over --max-http-header-size, broken framing, a timeout). Answered in the same problem format as every
 * other error, with a stable code, then the connection is closed: the parser cannot resynchronise.
 */
export function clientErrorHandler(error: Error & { code?: string; reason?: string }, socket: Socket): void {
  // A reset connection has no one left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  // An answer already under way on this socket cannot be followed by another one without corrupting it.
  if (!socket.writable || inFlight?.headersSent === true) {
    socket.destroy();
    return;
  }
  const answer = clientProblem(error);
  const body = JSON.stringify(answer);
  socket.write(
    `HTTP/1.1 ${String(answer.status)} ${STATUS_CODES[answer.status] ?? 'Error'}\r\n` +
      `Content-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${String(Buffer.byteLength(body))}\r\n` +
      `Connection: close\r\n\r\n${body}`,
  );
  // As Node does: the answer is written before the socket closes (a client still sending 10 MB after an
  // oversized header block reads the 431, then a reset; measured in test/security/http-edge.test.ts).
  socket.destroy();
}

/** Parser errors with an answer of their own; any other one is malformed framing (400). */
const KNOWN: Readonly<Record<string, () => Problem>> = {
  HPE_HEADER_OVERFLOW: () =>
    problem(
      431,
      'headers_too_large',
      `the request line and headers are larger than ${String(maxHeaderSize)} bytes`,
    ),
  HPE_CHUNK_EXTENSIONS_OVERFLOW: () =>
    problem(413, 'chunk_extensions_too_large', 'the chunk extensions are too large'),
  ERR_HTTP_REQUEST_TIMEOUT: () =>
    problem(408, 'request_timeout', 'the request did not arrive completely in time'),
};

/** The problem document for a parser error. */
export function clientProblem(error: Error & { code?: string; reason?: string }): Problem {
  const known = error.code === undefined ? undefined : KNOWN[error.code];
  if (known !== undefined) return known();
  return problem(
    400,
    'malformed_request',
    `the request is not valid HTTP/1.1 (${error.code ?? 'parse error'}: ${error.reason ?? error.message})`,
  );
}
