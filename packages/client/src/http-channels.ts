import { subscribe } from 'node:diagnostics_channel';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HttpRecorder } from './http-recorder.js';

/**
 * Requests are timed and counted through Node's own HTTP diagnostics channels, not through framework
 * hooks or per-request listeners: Node publishes `http.server.request.start` and
 * `http.server.response.finish` for every request once someone subscribes, and a framework hook on the
 * response path cost a hello-world app 10–25 % of its throughput here where this costs a few per cent
 * (metrics-service's docs/adr/0003-http-instrumentation.md). The frameworks' only job is to tell which
 * route matched.
 *
 * Where a request's start time and route are kept follows measurements. A bound server's requests get a
 * start time as a symbol property when they start, before any framework touches them: free on Node's
 * request object (a WeakMap entry per request cost 8 points of throughput in ephemeron bookkeeping).
 * Fastify stamps the route the same way; Express swaps the request's prototype, after which adding or
 * even looking up an absent property takes V8's slow path, so its route is read from `req.route` at the
 * end. An Express app that is not its server's only handler is bound through the app instead, and its
 * start times queue on the connection's socket (one array per connection: HTTP/1.1 answers a connection's
 * requests in order, so the oldest start is the one that finishes). Module-local symbols mean that if the
 * ESM and the CommonJS builds are both loaded, each records only the requests it was asked to.
 */
const START = Symbol('metrics-service.start');
const ROUTE = Symbol('metrics-service.route');
const SOCKET_STARTS = Symbol('metrics-service.socket-starts');
type Tagged = IncomingMessage & { [START]?: number; [ROUTE]?: string; app?: object };
/** Start times of the requests in flight on a connection to a server not bound here (Express apps). */
type TaggedSocket = Socket & { [SOCKET_STARTS]?: number[] };

/** Marks a route whose requests are not recorded (the metrics endpoint itself, excluded routes). */
export const EXCLUDED_ROUTE = '\0excluded';

export interface Binding {
  recorder: HttpRecorder;
  excluded: ReadonlySet<string>;
  /** Asked at the end of a request whose route was not stamped (Express knows it only then). */
  routeOf?: (request: IncomingMessage) => string | undefined;
}

const byServer = new WeakMap<Server, Binding>();
/** Express: each request points at its app (`req.app`), so the app is bound once, not each request. */
const byApp = new WeakMap<object, Binding>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.request.start', (message) => {
    const { request, server, socket } = message as { request: Tagged; server: Server; socket: TaggedSocket };
    if (byServer.has(server)) request[START] = performance.now();
    else (socket[SOCKET_STARTS] ??= []).push(performance.now());
  });
  subscribe('http.server.response.finish', (message) => {
    const { request, response, server, socket } = message as {
      request: Tagged;
      response: ServerResponse;
      server: Server;
      socket: TaggedSocket;
    };
    const own = byServer.get(server);
    if (own !== undefined) {
      // An Express app owning its server knows the route only now (routeOf); its first request started
      // before the binding, so its start time is on the socket.
      const route = own.routeOf === undefined ? request[ROUTE] : own.routeOf(request);
      record(own, request, response, route, request[START] ?? socket[SOCKET_STARTS]?.shift());
    } else {
      // Dequeued whatever happens next, so the connection's next request finds its own start time. The
      // request's own symbol properties are not read: on Express' requests (prototype swapped) a lookup
      // of an absent property walks the whole prototype chain on V8's slow path.
      const started = socket[SOCKET_STARTS]?.shift();
      const binding = appBinding(request.app);
      if (binding !== undefined) record(binding, request, response, binding.routeOf?.(request), started);
    }
  });
}

function record(
  binding: Binding,
  request: IncomingMessage,
  response: ServerResponse,
  route: string | undefined,
  started: number | undefined,
): void {
  if (route === EXCLUDED_ROUTE || (route !== undefined && binding.excluded.has(route))) return;
  const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
  binding.recorder.record(request.method ?? 'GET', route, response.statusCode, seconds);
}

/** Every request this server answers is recorded (Fastify: the app owns its server). */
export function bindServer(server: Server, binding: Binding): void {
  subscribeOnce();
  byServer.set(server, binding);
}

/**
 * Every request this Express app handles is recorded (a middleware sees requests, not the server). When
 * the app is its server's only request handler, and not mounted in another app, the server is bound too:
 * every request of that server is the app's, and its start time goes on the request before Express swaps
 * the request's prototype, which is cheaper than the connection's queue and the app lookup at the end.
 */
export function bindApp(app: object, binding: Binding, request: IncomingMessage): void {
  subscribeOnce();
  byApp.set(app, binding);
  const server = (request.socket as { server?: unknown } | null)?.server;
  const handlers = server instanceof EventEmitter ? server.listeners('request') : [];
  const mounted = (app as { parent?: unknown }).parent !== undefined;
  if (handlers.length === 1 && handlers[0] === app && !mounted) bindServer(server as Server, binding);
}

/** The route template that matched a request of a bound server (EXCLUDED_ROUTE to leave it out). */
export function stampRoute(request: IncomingMessage, template: string): void {
  (request as Tagged)[ROUTE] = template;
}

/**
 * The binding of an Express app, or of the app it is mounted in: a request answered inside a mounted
 * sub-application points at the sub-application when it finishes, and Express links it to its parent.
 */
function appBinding(app: object | undefined): Binding | undefined {
  for (let current = app; current !== undefined; current = (current as { parent?: object }).parent) {
    const binding = byApp.get(current);
    if (binding !== undefined) return binding;
  }
  return undefined;
}
