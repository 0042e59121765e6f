import type { RouteOptions } from 'fastify';

interface RouteMethods {
  /** The route's URL as a regular expression over a request path (parameters match one segment). */
  pattern: RegExp;
  methods: Set<string>;
}

/**
 * Which methods each registered route answers, so that a request for a known path with a method it does
 * not take is answered 405 with an `Allow` header (as Prometheus and RFC 9110 do) instead of the 404 of an
 * unknown path. Fastify's router says only "no route"; this index is fed by the `onRoute` hook and read in
 * the not-found handler alone, so it costs nothing on a request that has a route.
 */
export class AllowedMethods {
  private readonly byUrl = new Map<string, RouteMethods>();

  add(route: Pick<RouteOptions, 'url' | 'method'>): void {
    let entry = this.byUrl.get(route.url);
    if (entry === undefined) {
      entry = { pattern: toPattern(route.url), methods: new Set() };
      this.byUrl.set(route.url, entry);
    }
    for (const method of typeof route.method === 'string' ? [route.method] : route.method)
      entry.methods.add(method.toUpperCase());
    // Fastify answers HEAD for every GET route (exposeHeadRoutes), whether or not the hook sees it.
    if (entry.methods.has('GET')) entry.methods.add('HEAD');
  }

  /** The methods some route answers at `path` (sorted), or none when no route has this path. */
  for(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.byUrl.values())
      if (entry.pattern.test(path)) for (const method of entry.methods) methods.add(method);
    return [...methods].sort();
  }
}

/** `/api/alerts/:id/ack` → `^/api/alerts/[^/]+/ack/?$`; a trailing `*` matches the rest of the path. */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment === '*') return '.*';
      if (segment.startsWith(':')) return '[^/]+';
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}/?$`);
}
