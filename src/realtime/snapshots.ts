import { toJsonValue } from '../domain/sample-value.js';
import type { Services } from '../services.js';
import type { FamilyView } from '../tsdb/read-port.js';
import { WindowReader } from '../query/window-reader.js';
import { NOT_AUTH_ROUTES } from './charts.js';

/**
 * Current values of a family's label sets: the value for counters and gauges, count and sum for
 * histograms; NaN and ±Inf as "NaN", "+Inf", "-Inf" (JSON would write null, ADR 0008).
 */
export function familyValues(family: FamilyView) {
  const histogram = family.def.type === 'histogram';
  return {
    name: family.def.name,
    type: family.def.type,
    series: [...family.sets.values()]
      .filter((set) => set.committed)
      .map((set) => {
        const n = set.values.length;
        return histogram
          ? {
              labels: set.labels,
              count: toJsonValue(set.values[n - 1] ?? 0),
              sum: toJsonValue(set.values[n - 2] ?? 0),
            }
          : { labels: set.labels, value: toJsonValue(set.values[0] ?? 0) };
      }),
  };
}

/** The service's own traffic over the last minute: what the overview shows next to CPU and memory. */
export async function applicationFigures(services: Services, now = Date.now()) {
  const reader = new WindowReader(services.query, 60_000, now);
  const requests = 'metrics_service_http_requests_total';
  const duration = 'metrics_service_http_request_duration_seconds';
  const [rate, errors, p50, p95, p99] = await Promise.all([
    reader.value(requests, 'rate'),
    reader.value(requests, 'rate', [{ label: 'status_code', op: '=~', value: '5..|5xx' }]),
    reader.value(duration, { quantile: 0.5 }, [NOT_AUTH_ROUTES]),
    reader.value(duration, { quantile: 0.95 }, [NOT_AUTH_ROUTES]),
    reader.value(duration, { quantile: 0.99 }, [NOT_AUTH_ROUTES]),
  ]);
  return {
    requestsPerSecond: rate,
    errorRatio: rate === null || rate === 0 ? null : (errors ?? 0) / rate,
    latencySeconds: { p50, p95, p99 },
  };
}

/** Business families and their current values. */
export function businessFigures(services: Services) {
  return services.reader.families({ category: 'business' }).map(familyValues);
}

/** Watched services in brief. */
export function healthFigures(services: Services) {
  return services.health.checker.list().map((s) => ({
    name: s.definition.name,
    state: s.tracker.state,
    since: s.tracker.since,
    lastDurationMs: s.last === undefined ? null : Math.round(s.last.result.durationMs),
    reason: s.reason ?? null,
  }));
}
