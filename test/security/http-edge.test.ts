import assert from 'node:assert/strict';
import { connect, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startTestApp, TEST_ADMIN_TOKEN, type TestApp } from '../support/test-app.js';

/**
 * Issue 15: what reaches a client over a real socket when the request is refused before a route reads it.
 * Everything here goes through raw TCP (inject() has no socket to reset).
 */

interface Exchange {
  /** Everything the server sent, as latin1. */
  text: string;
  /** The socket error the client saw (EPIPE, ECONNRESET), if any. */
  error: string | undefined;
  /** Body bytes the client managed to hand to its socket before it closed. */
  sent: number;
  closedAfterMs: number;
}

interface Upload {
  head: string;
  body: Buffer;
  chunked: boolean;
  /** Pieces of 64 KiB every 2 ms instead of one write. */
  slow: boolean;
  /** Reads the answer only once the whole body is sent, as curl, requests and most SDKs do. */
  readAfterSending: boolean;
  /** Stops sending after this many body bytes, keeping the connection open (a stalled sender). */
  stallAfter?: number;
}

const PIECE = 64 * 1024;

function exchange(port: number, upload: Upload): Promise<Exchange> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = connect(port, '127.0.0.1');
    let text = '';
    let error: string | undefined;
    let sent = 0;
    socket.on('data', (data: Buffer) => (text += data.toString('latin1')));
    if (upload.readAfterSending) socket.pause();
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e.code;
      socket.resume();
    });
    socket.on('close', () => {
      clearTimeout(giveUp);
      resolve({ text, error, sent, closedAfterMs: Date.now() - started });
    });
    const giveUp = setTimeout(() => socket.destroy(), 20_000);
    const frame = (piece: Buffer): Buffer =>
      upload.chunked
        ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
        : piece;
    const finish = (): void => {
      socket.end(upload.chunked ? '0\r\n\r\n' : '', () => socket.resume());
    };
    socket.write(upload.head);
    const limit = upload.stallAfter ?? upload.body.length;
    if (!upload.slow && upload.stallAfter === undefined) {
      socket.write(frame(upload.body));
      sent = upload.body.length;
      finish();
      return;
    }
    const step = (): void => {
      if (socket.destroyed) return;
      const piece = upload.body.subarray(sent, Math.min(sent + PIECE, limit));
      if (piece.length > 0) socket.write(frame(piece));
      sent += piece.length;
      if (sent < limit) setTimeout(step, upload.slow ? 2 : 0);
      else if (upload.stallAfter === undefined) finish();
      else socket.resume();
    };
    step();
  });
}

function head(path: string, framing: string, authorised = true): string {
  return (
    `POST ${path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n` +
    (authorised ? `authorization: Bearer ${TEST_ADMIN_TOKEN}\r\n` : '') +
    `${framing}\r\n`
  );
}

function statusOf(text: string): number {
  return Number(text.slice(9, 12));
}

function problemOf(text: string): { status: number; code: string; contentType: string | undefined } {
  const [headers = '', ...rest] = text.split('\r\n\r\n');
  const body = JSON.parse(rest.join('\r\n\r\n')) as { code: string };
  return {
    status: statusOf(text),
    code: body.code,
    contentType: /\r\ncontent-type: ([^\r]*)/i.exec(headers)?.[1],
  };
}

describe('HTTP edge: oversized bodies get their 413, never a reset', () => {
  let t: TestApp;
  let port = 0;
  before(async () => {
    t = await startTestApp({ BODY_LIMIT_BYTES: '65536' });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  it('answers 48 oversized uploads (sizes, Content-Length or chunked, fast or slow, reading early or late) with 413', async () => {
    const sizes = [65_537, 100_000, 300_000, 1_000_000, 3_000_000, 8_000_000];
    const outcomes: Record<string, number> = {};
    for (const size of sizes)
      for (const chunked of [false, true])
        for (const slow of [false, true])
          for (const readAfterSending of [false, true]) {
            const body = Buffer.alloc(size, 0x20);
            const framing = chunked
              ? 'transfer-encoding: chunked\r\n'
              : `content-length: ${String(size)}\r\n`;
            const result = await exchange(port, {
              head: head('/api/metrics/custom', framing),
              body,
              chunked,
              slow,
              readAfterSending,
            });
            const key = `${String(statusOf(result.text))}${result.error === undefined ? '' : `/${result.error}`}`;
            outcomes[key] = (outcomes[key] ?? 0) + 1;
            if (key === '413')
              assert.deepEqual(problemOf(result.text), {
                status: 413,
                code: 'body_too_large',
                contentType: 'application/problem+json; charset=utf-8',
              });
          }
    // On failure this shows how many got their answer and how the others ended (0/EPIPE: nothing read).
    assert.deepEqual(outcomes, { 413: 48 });
  });

  it('a 401 (no token) and a 413 on an unknown route to a large upload reach a client that reads after sending', async () => {
    const body = Buffer.alloc(2_000_000, 0x20);
    const framing = `content-length: ${String(body.length)}\r\n`;
    for (const [request, status] of [
      [head('/api/metrics/custom', framing, false), 401],
      // The not-found handler's body is held to BODY_LIMIT_BYTES too.
      [head('/api/nowhere', framing), 413],
    ] as const) {
      const result = await exchange(port, {
        head: request,
        body,
        chunked: false,
        slow: false,
        readAfterSending: true,
      });
      assert.deepEqual([statusOf(result.text), result.error], [status, undefined]);
    }
  });

  it('Expect: 100-continue: an oversized body is refused before it is sent, a small one is invited', async () => {
    const firstAnswer = (request: string, body = ''): Promise<string> =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        let text = '';
        const timer = setTimeout(() => {
          socket.destroy();
          reject(new Error(`no final answer in 5 s, got: ${text}`));
        }, 5000);
        socket.on('error', reject);
        socket.on('data', (data: Buffer) => {
          text += data.toString('latin1');
          if (text.startsWith('HTTP/1.1 100 ') && body !== '') {
            socket.write(body);
            body = '';
          } else if (/\r\n\r\n[^]*\}$/.test(text)) {
            clearTimeout(timer);
            socket.destroy();
            resolve(text);
          }
        });
        socket.write(request);
      });
    const expect = 'expect: 100-continue\r\n';
    const refused = await firstAnswer(head('/api/metrics/custom', `${expect}content-length: 10000000\r\n`));
    assert.equal(problemOf(refused).code, 'body_too_large');
    const sample = JSON.stringify({ name: 'expect_continue_test', value: 1 });
    const invited = await firstAnswer(
      head('/api/metrics/custom', `${expect}content-length: ${String(sample.length)}\r\n`),
      sample,
    );
    assert.match(invited, /^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 20\d /);
  });

  it('keeps the connection usable after draining the refused body', async () => {
    const body = Buffer.alloc(500_000, 0x20);
    const result = await exchange(port, {
      head: head('/api/metrics/custom', `content-length: ${String(body.length)}\r\n`),
      body: Buffer.concat([
        body,
        Buffer.from('GET /health HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n'),
      ]),
      chunked: false,
      slow: false,
      readAfterSending: false,
    });
    const answers = result.text.match(/HTTP\/1\.1 \d{3}/g);
    assert.deepEqual(answers, ['HTTP/1.1 413', 'HTTP/1.1 200']);
  });
});

describe('HTTP edge: the drain is bounded', () => {
  let t: TestApp;
  let port = 0;
  before(async () => {
    t = await startTestApp({
      BODY_LIMIT_BYTES: '65536',
      BODY_DRAIN_LIMIT_BYTES: '1048576',
      BODY_DRAIN_TIMEOUT: '500',
    });
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  it('closes a connection whose refused body goes on past BODY_DRAIN_LIMIT_BYTES', async () => {
    const body = Buffer.alloc(64_000_000, 0x20);
    const result = await exchange(port, {
      head: head('/api/metrics/custom', 'transfer-encoding: chunked\r\n'),
      body,
      chunked: true,
      slow: false,
      readAfterSending: false,
    });
    // The answer came first; then the server stopped reading well before the 64 MB were through.
    assert.equal(statusOf(result.text), 413);
    assert.ok(result.error !== undefined, 'the server closed the connection');
  });

  it('closes a connection whose refused body stalls for BODY_DRAIN_TIMEOUT', async () => {
    const result = await exchange(port, {
      head: head('/api/metrics/custom', 'content-length: 10000000\r\n'),
      body: Buffer.alloc(10_000_000, 0x20),
      chunked: false,
      slow: false,
      readAfterSending: false,
      stallAfter: 200_000,
    });
    assert.equal(statusOf(result.text), 413);
    assert.ok(result.closedAfterMs >= 450 && result.closedAfterMs < 5000, String(result.closedAfterMs));
  });
});

describe('HTTP edge: errors before routing are problem documents', () => {
  let t: TestApp;
  let port = 0;
  before(async () => {
    t = await startTestApp({});
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    port = (t.app.server.address() as AddressInfo).port;
  });
  after(() => t.close());

  const send = (request: string): Promise<Exchange> =>
    exchange(port, {
      head: request,
      body: Buffer.alloc(0),
      chunked: false,
      slow: false,
      readAfterSending: false,
    });
  const auth = `authorization: Bearer ${TEST_ADMIN_TOKEN}\r\n`;
  const post = (framing: string, body: string, contentType = 'application/json'): string =>
    `POST /api/metrics/custom HTTP/1.1\r\nhost: x\r\n${auth}content-type: ${contentType}\r\n${framing}` +
    `connection: close\r\n\r\n${body}`;

  const cases: [string, string, number, string][] = [
    [
      'header block over 16 KiB',
      `GET /health HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\n\r\n`,
      431,
      'headers_too_large',
    ],
    [
      'bad chunk size',
      post('transfer-encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'),
      400,
      'malformed_request',
    ],
    [
      'Content-Length with chunked',
      post('content-length: 2\r\ntransfer-encoding: chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'),
      400,
      'malformed_request',
    ],
    ['Content-Length not a number', post('content-length: abc\r\n', '{}'), 400, 'malformed_request'],
    ['body shorter than Content-Length', post('content-length: 10\r\n', '{}'), 400, 'malformed_request'],
    ['invalid method token', 'FO(O / HTTP/1.1\r\nhost: x\r\n\r\n', 400, 'malformed_request'],
    ['unknown HTTP version', 'GET /health HTTP/9.9\r\nhost: x\r\n\r\n', 400, 'malformed_request'],
    [
      'space in a header name',
      'GET /health HTTP/1.1\r\nhost: x\r\nbad header: y\r\n\r\n',
      400,
      'malformed_request',
    ],
    [
      'URL that does not decode',
      `GET /api/health/services/%E0%A4%A HTTP/1.1\r\nhost: x\r\n${auth}\r\n`,
      400,
      'invalid_url',
    ],
    [
      'path parameter too long',
      `GET /api/health/services/${'a'.repeat(300)} HTTP/1.1\r\nhost: x\r\n${auth}\r\n`,
      414,
      'uri_too_long',
    ],
    ['HTTP/1.1 without Host', 'GET /health HTTP/1.1\r\nconnection: close\r\n\r\n', 400, 'host_required'],
    ['unknown route', 'GET /nope HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n', 404, 'not_found'],
    [
      'method no route takes',
      'PROPFIND /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n',
      405,
      'method_not_allowed',
    ],
    [
      'unsupported media type',
      post('content-length: 2\r\n', '{}', 'text/xml'),
      415,
      'unsupported_media_type',
    ],
    ['JSON that does not parse', post('content-length: 2\r\n', '{x'), 400, 'invalid_json'],
    ['empty JSON body', post('content-length: 0\r\n', ''), 400, 'invalid_json'],
  ];
  for (const [name, request, status, code] of cases)
    it(`${name}: ${String(status)} ${code}`, async () => {
      const result = await send(request);
      assert.deepEqual(problemOf(result.text), {
        status,
        code,
        contentType: 'application/problem+json; charset=utf-8',
      });
    });

  it('a 431 reaches a client still sending a large body behind its headers', async () => {
    const result = await exchange(port, {
      head: `POST /api/metrics/custom HTTP/1.1\r\nhost: x\r\nx-big: ${'a'.repeat(20_000)}\r\ncontent-length: 10000000\r\n\r\n`,
      body: Buffer.alloc(10_000_000, 0x20),
      chunked: false,
      slow: false,
      readAfterSending: true,
    });
    assert.equal(problemOf(result.text).code, 'headers_too_large');
  });
});
