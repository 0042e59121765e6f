/**
 * The hot path of HTTP instrumentation, shared by the Express, Fastify and NestJS integrations and by
 * metrics-service itself: two Map lookups and a few additions per request, no string built. prom-client's
 * labelled `inc`/`observe` hash a label object on every call, which is much of what fastify-metrics and
 * express-prom-bundle cost (metrics-service's docs/adr/0003-http-instrumentation.md). Totals are
 * cumulative; readers turn them into exposition text (prom-adapter.ts) or into stored samples (the
 * service's application collector).
 */

/** Prometheus' client defaults, in seconds: 5 ms to 10 s. */
export const DEFAULT_HTTP_BUCKETS: readonly number[] = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** The route label of requests no route matched, and of new label sets once the series cap is reached. */
export const UNMATCHED_ROUTE = '__unmatched__';
export const OVERFLOW_ROUTE = '__overflow__';

/** Methods kept as label values; any other (a client can send anything) is counted as OTHER. */
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'OTHER'] as const;
const METHOD_INDEX = new Map<string, number>(METHODS.map((m, i) => [m, i]));
const OTHER_METHOD = METHODS.length - 1;

export type StatusLabel = 'exact' | 'class';

/** The slot of a value in per-bucket counts: the first bound ≥ value, or bounds.length for +Inf. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value > bounds[i]!) i++;
  return i;
}

export interface HttpRecorderOptions {
  /** Upper bounds of the duration histogram, seconds, strictly ascending. */
  buckets?: readonly number[];
  /** Label sets (method × route × status) kept at most; later ones are counted under `__overflow__`. */
  maxSeries?: number;
  /** `exact`: status_code="404"; `class`: status_code="4xx" (fewer series; what the service uses). */
  statusCodes?: StatusLabel;
}

export interface RouteTotals {
  readonly method: string;
  readonly route: string;
  readonly status: string;
  count: number;
  sum: number;
  /** Observations per bucket (not cumulative); the last slot is above the highest bound (+Inf). */
  readonly buckets: Float64Array;
}

export class HttpRecorder {
  readonly buckets: readonly number[];
  private readonly maxSeries: number;
  private readonly byClass: boolean;
  /** route → (status × 8 + method index) → totals. */
  private readonly byRoute = new Map<string, Map<number, RouteTotals>>();
  private count = 0;

  constructor(options: HttpRecorderOptions = {}) {
    const buckets = options.buckets ?? DEFAULT_HTTP_BUCKETS;
    const ascending = buckets.every((b, i) => Number.isFinite(b) && (i === 0 || b > buckets[i - 1]!));
    if (buckets.length === 0 || !ascending)
      throw new RangeError('buckets must be finite and strictly ascending');
    this.buckets = [...buckets];
    this.maxSeries = options.maxSeries ?? 10_000;
    if (!(this.maxSeries >= 1)) throw new RangeError('maxSeries must be at least 1');
    this.byClass = options.statusCodes === 'class';
  }

  /** Counts one finished request. `route` is the matched template, or undefined when none matched. */
  record(method: string, route: string | undefined, statusCode: number, seconds: number): void {
    const m = METHOD_INDEX.get(method) ?? OTHER_METHOD;
    const code = statusCode >= 100 && statusCode <= 599 ? statusCode : 0;
    const key = (this.byClass ? Math.floor(code / 100) : code) * 8 + m;
    const r = route ?? UNMATCHED_ROUTE;
    let totals = this.byRoute.get(r)?.get(key);
    if (totals === undefined) totals = this.create(r, key, m, code);
    totals.count++;
    totals.sum += seconds;
    totals.buckets[bucketIndex(this.buckets, seconds)]!++;
  }

  /** Every label set seen so far with its cumulative totals (live objects: read, do not keep). */
  *all(): IterableIterator<RouteTotals> {
    for (const byStatus of this.byRoute.values()) yield* byStatus.values();
  }

  /** Label sets kept so far. */
  get size(): number {
    return this.count;
  }

  private create(route: string, key: number, method: number, code: number): RouteTotals {
    // Past the cap, new label sets are counted under one overflow route per method and status (which
    // may go past the cap by those few): better than losing the count.
    const target = this.count >= this.maxSeries ? OVERFLOW_ROUTE : route;
    let byStatus = this.byRoute.get(target);
    const existing = byStatus?.get(key);
    if (existing !== undefined) return existing;
    if (byStatus === undefined) {
      byStatus = new Map();
      this.byRoute.set(target, byStatus);
    }
    const totals: RouteTotals = {
      method: METHODS[method]!,
      route: target,
      status: statusText(code, this.byClass),
      count: 0,
      sum: 0,
      buckets: new Float64Array(this.buckets.length + 1),
    };
    byStatus.set(key, totals);
    this.count++;
    return totals;
  }
}

function statusText(code: number, byClass: boolean): string {
  if (code === 0) return 'unknown';
  return byClass ? `${String(Math.floor(code / 100))}xx` : String(code);
}
