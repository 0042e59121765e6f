import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Handler = (request: IncomingMessage, response: ServerResponse, base: string) => void;

export interface TargetServer {
  base: string;
  port: number;
  server: Server;
  /** Replaces (or adds) the handler of one path. */
  route: (path: string, handler: Handler) => void;
  close: () => Promise<void>;
}

/** A real HTTP server on 127.0.0.1 standing in for a watched service; routes can change mid-test. */
export async function startTarget(host = '127.0.0.1'): Promise<TargetServer> {
  const routes = new Map<string, Handler>();
  let base = '';
  const server = createServer((request, response) => {
    const handler = routes.get((request.url ?? '/').split('?')[0] ?? '/');
    if (handler === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    handler(request, response, base);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  base = `http://${host.includes(':') ? `[${host}]` : host}:${String(port)}`;
  return {
    base,
    port,
    server,
    route: (path, handler) => {
      routes.set(path, handler);
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

export const json =
  (status: number, body: unknown): Handler =>
  (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
