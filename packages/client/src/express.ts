import type { IncomingMessage, ServerResponse } from 'node:http';
import { prepareMetrics, type MetricsOptions } from './options.js';
import type { HttpRecorder } from './http-recorder.js';
import { bindApp, EXCLUDED_ROUTE, type Binding } from './http-channels.js';

export type { MetricsOptions } from './options.js';

/** The parts of Express' request this middleware reads (no dependency on @types/express). */
interface ExpressLikeRequest extends IncomingMessage {
  method: string;
  /** The Express app handling the request (on the request's prototype, set by Express). */
  app?: object;
  baseUrl?: string;
  route?: { path?: unknown };
}
type Next = (error?: unknown) => void;
export type ExpressMiddleware = (req: ExpressLikeRequest, res: ServerResponse, next: Next) => void;

/** The matched route template (`/users/:id`, with the mount path of its router), or undefined. */
export function expressRoute(req: ExpressLikeRequest): string | undefined {
  const template = req.route?.path;
  if (template === undefined) return undefined;
  // Express also accepts a RegExp or an array of paths as a route.
  const text =
    typeof template === 'string'
      ? template
      : template instanceof RegExp
        ? template.toString()
        : Array.isArray(template)
          ? template.join('|')
          : '';
  // No new string when mounted at the root: the route's own string keeps its cached hash for the lookup.
  const base = req.baseUrl;
  return base === undefined || base === '' ? text : base + text;
}

/**
 * Binds the app of the requests it sees (once per app: every request points at its app) for recording;
 * timing and counting happen in Node's HTTP diagnostics channels (http-channels.ts), and the route
 * template is read from Express when the response finishes.
 */
export function instrumentExpress(
  recorder: HttpRecorder,
  excluded: ReadonlySet<string>,
  metricsPath: string | false = false,
): ExpressMiddleware {
  const binding: Binding = {
    recorder,
    excluded,
    // The metrics endpoint answered by this middleware matched no Express route: left out by its path.
    routeOf: (request) =>
      expressRoute(request as ExpressLikeRequest) ??
      (metricsPath !== false && isPath(request.url, metricsPath) ? EXCLUDED_ROUTE : undefined),
  };
  let bound: object | undefined;
  return (req, _res, next) => {
    const app = req.app;
    if (app !== bound && app !== undefined) {
      bindApp(app, binding, req);
      bound = app;
    }
    next();
  };
}

/**
 * `app.use(metricsMiddleware())`: serves the Prometheus metrics at `/metrics` and counts every request
 * by method, route template and status, with a duration histogram. Register it before the routes.
 */
export function metricsMiddleware(options: MetricsOptions = {}): ExpressMiddleware {
  const { recorder, registry, path, excluded } = prepareMetrics(options);
  const instrument = instrumentExpress(recorder, excluded, path);
  return (req, res, next) => {
    if (path !== false && isPath(req.url, path) && (req.method === 'GET' || req.method === 'HEAD')) {
      registry.metrics().then(
        (text) => {
          res.statusCode = 200;
          res.setHeader('content-type', registry.contentType);
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (error: unknown) => {
          next(error);
        },
      );
      return;
    }
    instrument(req, res, next);
  };
}

/** `url` is `path`, with or without a query string; read from the raw URL (Express' `req.path` parses it). */
function isPath(url: string | undefined, path: string): boolean {
  return (
    url !== undefined && url.startsWith(path) && (url.length === path.length || url[path.length] === '?')
  );
}
