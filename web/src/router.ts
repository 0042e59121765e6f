/**
 * What a view gets: the outlet to draw into, the pattern's `:params` (decoded) and the query after `?`
 * in the hash (`#/services/api/report?month=2026-11`). It may return a cleanup, run when the view is left.
 */
export interface RouteContext {
  outlet: HTMLElement;
  params: Record<string, string>;
  query: URLSearchParams;
}
export type Mount = (context: RouteContext) => (() => void) | undefined | Promise<(() => void) | undefined>;

interface Route {
  pattern: string;
  parts: string[];
  mount: Mount;
}

/**
 * Hash routing: every view has a URL (`#/services/api`) that survives a reload and works with back and
 * forward, and the server needs no route per view (`/` serves the page whatever the hash). `#/` (or no
 * hash) is the overview, which stays in the page and is only shown or hidden. One `add` per view:
 * `router.add('#/explore', mountExplore)`. A pattern's `:name` segment matches one path segment.
 */
export class Router {
  private readonly routes: Route[] = [];
  private cleanup: (() => void) | undefined;
  /** Bumped at each navigation: a slow view that finishes after the user moved on is thrown away. */
  private generation = 0;

  constructor(
    private readonly overview: HTMLElement,
    private readonly outlet: HTMLElement,
    private readonly onError: (error: unknown) => void = (error) => {
      console.warn(error);
    },
  ) {}

  add(pattern: string, mount: Mount): this {
    this.routes.push({ pattern, parts: segments(pattern.replace(/^#/, '')), mount });
    return this;
  }

  start(): void {
    window.addEventListener('hashchange', () => {
      this.render();
    });
    this.render();
  }

  /** Goes to a view (a new history entry), e.g. `router.go('#/services/api')`. */
  go(hash: string): void {
    if (window.location.hash === hash) this.render();
    else window.location.hash = hash;
  }

  /** Draws the view of the current hash again (after the session came back, say). */
  render(): void {
    const generation = ++this.generation;
    this.cleanup?.();
    this.cleanup = undefined;
    const raw = window.location.hash.replace(/^#/, '');
    const [path = '', search = ''] = raw.split('?', 2);
    const parts = segments(path);
    const match = parts.length === 0 ? undefined : this.match(parts);
    if (match === undefined) {
      this.outlet.hidden = true;
      this.outlet.replaceChildren();
      this.overview.hidden = false;
      return;
    }
    this.overview.hidden = true;
    this.outlet.hidden = false;
    this.outlet.replaceChildren();
    const context = { outlet: this.outlet, params: match.params, query: new URLSearchParams(search) };
    Promise.resolve(match.route.mount(context)).then(
      (cleanup) => {
        if (generation === this.generation) this.cleanup = cleanup;
        else cleanup?.();
      },
      (error: unknown) => {
        this.onError(error);
      },
    );
  }

  private match(parts: string[]): { route: Route; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.parts.length !== parts.length) continue;
      const params: Record<string, string> = {};
      const fits = route.parts.every((want, i) => {
        const got = parts[i]!;
        if (want.startsWith(':')) {
          params[want.slice(1)] = safeDecode(got);
          return true;
        }
        return want === got;
      });
      if (fits) return { route, params };
    }
    return undefined;
  }
}

function segments(path: string): string[] {
  return path.split('/').filter((part) => part !== '');
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/** The hash of a view with its path segments encoded: `hashOf('services', name)` → `#/services/a%2Fb`. */
export function hashOf(...parts: string[]): string {
  return `#/${parts.map(encodeURIComponent).join('/')}`;
}
