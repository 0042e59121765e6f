import type { IncomingHttpHeaders } from 'node:http';
import { startTarget, type TargetServer } from './target-server.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  raw: string;
  body: Record<string, unknown>;
}

export interface Receiver extends TargetServer {
  received: Received[];
  /** Requests answered, failed ones included. */
  hits: () => number;
  /** Answers this status (and headers) to the next `times` requests, then 200 again. */
  failNext: (times: number, status?: number, headers?: Record<string, string>) => void;
  /** Resolves once `count` requests have arrived. */
  waitFor: (count: number, timeoutMs?: number) => Promise<Received[]>;
}

/** A webhook receiver (Slack, Discord or a plain webhook stand-in) recording what it is sent. */
export async function startReceiver(host = '127.0.0.1'): Promise<Receiver> {
  const target = await startTarget(host);
  const received: Received[] = [];
  let failures = 0;
  let hits = 0;
  let failure = { status: 503, headers: {} as Record<string, string> };
  const waiters: (() => void)[] = [];
  const handler = (path: string): void => {
    target.route(path, (req, res) => {
      let raw = '';
      req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
      req.on('end', () => {
        hits++;
        if (failures > 0) {
          failures--;
          res.writeHead(failure.status, failure.headers).end();
          return;
        }
        received.push({ path, headers: req.headers, raw, body: JSON.parse(raw) as Record<string, unknown> });
        res.writeHead(200).end('ok');
        for (const wake of waiters.splice(0)) wake();
      });
    });
  };
  for (const path of ['/hook', '/slack', '/discord']) handler(path);
  return {
    ...target,
    received,
    hits: () => hits,
    failNext: (times, status = 503, headers = {}) => {
      failures = times;
      failure = { status, headers };
    },
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline) throw new Error(`received ${String(received.length)} of ${String(count)}`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
      return received;
    },
  };
}
