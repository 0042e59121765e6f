import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { HttpRecorder } from './http-recorder.js';

/**
 * Requests are timed and counted through Node's own HTTP diagnostics channels, not through framework
 * hooks or per-request listeners: Node publishes `http.server.request.start` and
 * `http.server.response.finish` for every request once someone subscribes, and a framework hook on the
 * response path cost a hello-world app 10–25 % of its throughput here where this costs a few per cent
 * (docs/adr/0003-http-instrumentation.md). The frameworks' only job is to tell which route matched.
 *
 * Where a request's start time and route are kept depends on the framework, on measurements: Fastify
 * leaves Node's request object alone, so two symbol properties cost nothing (a WeakMap entry per request
 * cost it 8 points of throughput in ephemeron bookkeeping); Express swaps the request's prototype, after
 * which a new property cost about 2 µs a request, so its start times queue on the connection's socket
 * instead (one array per connection, created once: HTTP/1.1 answers a connection's requests in order, so
 * the oldest start is the one that finishes). Module-local symbols mean that if the ESM and the CommonJS
 * builds are both loaded, each records only the requests it was asked to, and none twice.
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
    // Dequeued whatever happens next, so the connection's next request finds its own start time.
    const queued = own === undefined ? socket[SOCKET_STARTS]?.shift() : undefined;
    const binding = own ?? appBinding(request.app);
    if (binding === undefined) return;
    const route = request[ROUTE] ?? binding.routeOf?.(request);
    if (route === EXCLUDED_ROUTE || (route !== undefined && binding.excluded.has(route))) return;
    const started = request[START] ?? queued;
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    binding.recorder.record(request.method ?? 'GET', route, response.statusCode, seconds);
  });
}

/** Every request this server answers is recorded (Fastify: the app owns its server). */
export function bindServer(server: Server, binding: Binding): void {
  subscribeOnce();
  byServer.set(server, binding);
}

/** Every request this Express app handles is recorded (a middleware sees requests, not the server). */
export function bindApp(app: object, binding: Binding): void {
  subscribeOnce();
  byApp.set(app, binding);
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
