import { DomainError } from '../domain/errors.js';
import type { Labels } from '../domain/metric.js';
import type { QueryFunction } from './functions.js';
import type { LabelMatcher } from './matchers.js';
import type { QueryEngine } from './range-query.js';

export interface WindowValue {
  labels: Labels;
  value: number;
}

/**
 * One figure per series (or per group) over the last `windowMs`: a range query with a single step at
 * `end`. A metric that does not exist yet answers an empty list, which summaries show as "no data".
 */
export class WindowReader {
  constructor(
    private readonly query: QueryEngine,
    readonly windowMs: number,
    readonly end: number = Date.now(),
  ) {}

  async values(
    metric: string,
    fn: QueryFunction,
    options: { by?: readonly string[]; matchers?: readonly LabelMatcher[] } = {},
  ): Promise<WindowValue[]> {
    try {
      const result = await this.query.range({
        metric,
        matchers: options.matchers ?? [],
        start: this.end,
        end: this.end,
        stepMs: this.windowMs,
        windowMs: this.windowMs,
        fn,
        ...(options.by === undefined ? {} : { by: options.by }),
      });
      const out: WindowValue[] = [];
      for (const series of result.series) {
        const point = series.points[0];
        if (point !== undefined) out.push({ labels: series.labels, value: point[1] });
      }
      return out;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'metric_not_found') return [];
      throw error;
    }
  }

  /** The single value of an ungrouped query, or null without data. */
  async value(
    metric: string,
    fn: QueryFunction,
    matchers: readonly LabelMatcher[] = [],
  ): Promise<number | null> {
    const [first] = await this.values(metric, fn, { by: [], matchers });
    return first?.value ?? null;
  }
}
