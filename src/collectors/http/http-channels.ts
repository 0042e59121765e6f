import { subscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { HttpRecorder } from './http-recorder.js';

/**
 * Requests are timed and counted through Node's own HTTP diagnostics channels, not through framework
 * hooks or per-request listeners: Node publishes `http.server.request.start` and
 * `http.server.response.finish` for every request once someone subscribes, and a framework hook on the
 * response path cost a hello-world app 10–25 % of its throughput here where this costs a few per cent
 * (docs/adr/0003-http-instrumentation.md). The frameworks' only job is to tell which route matched.
 *
 * Module-local symbols, not Symbol.for: if the ESM and the CommonJS builds are both loaded, each copy
 * records only the requests it was asked to, and none twice.
 */
const START = Symbol('metrics-service.start');
const ROUTE = Symbol('metrics-service.route');
const BINDING = Symbol('metrics-service.binding');

/** Marks a route whose requests are not recorded (the metrics endpoint itself, excluded routes). */
export const EXCLUDED_ROUTE = '\0excluded';

export interface Binding {
  recorder: HttpRecorder;
  excluded: ReadonlySet<string>;
  /** Asked at the end of a request whose route was not stamped (Express knows it only then). */
  routeOf?: (request: IncomingMessage) => string | undefined;
}

type Tagged = IncomingMessage & { [START]?: number; [ROUTE]?: string; [BINDING]?: Binding };

const byServer = new WeakMap<Server, Binding>();
let subscribed = false;

function subscribeOnce(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.request.start', (message) => {
    (message as { request: Tagged }).request[START] = performance.now();
  });
  subscribe('http.server.response.finish', (message) => {
    const { request, response, server } = message as {
      request: Tagged;
      response: ServerResponse;
      server: Server;
    };
    const binding = request[BINDING] ?? byServer.get(server);
    if (binding === undefined) return;
    const route = request[ROUTE] ?? binding.routeOf?.(request);
    if (route === EXCLUDED_ROUTE || (route !== undefined && binding.excluded.has(route))) return;
    const started = request[START];
    const seconds = started === undefined ? 0 : (performance.now() - started) / 1000;
    binding.recorder.record(request.method ?? 'GET', route, response.statusCode, seconds);
  });
}

/** Every request this server answers is recorded (Fastify: the app owns its server). */
export function bindServer(server: Server, binding: Binding): void {
  subscribeOnce();
  byServer.set(server, binding);
}

/** This request is recorded (Express: a middleware sees the request, not the server). */
export function bindRequest(request: IncomingMessage, binding: Binding): void {
  subscribeOnce();
  (request as Tagged)[BINDING] = binding;
}

/** The route template that matched the request (EXCLUDED_ROUTE to leave it out). */
export function stampRoute(request: IncomingMessage, template: string): void {
  (request as Tagged)[ROUTE] = template;
}
