import type { HealthRollup, HealthStore } from '../storage/ports.js';
import type { WatchedService } from './health-checker.js';
import { withoutPassword } from './resolve-definition.js';
import { HOUR_MS, summarize, type WindowSummary } from './rollup.js';

const WINDOWS = { '24h': 24, '7d': 24 * 7, '30d': 24 * 30, '365d': 24 * 365 } as const;

/** A service as GET /api/health/services lists it. */
export function statusView(service: WatchedService, uptime24h: number | null) {
  const { definition, tracker, last } = service;
  return {
    name: definition.name,
    type: definition.type,
    url: definition.displayUrl,
    origin: service.origin,
    state: tracker.state,
    since: tracker.since,
    consecutiveFailures: tracker.failures,
    reason: service.reason ?? null,
    lastCheck:
      last === undefined
        ? null
        : {
            at: last.at,
            ok: last.result.ok,
            durationMs: Math.round(last.result.durationMs * 10) / 10,
            ...(last.result.statusCode === undefined ? {} : { statusCode: last.result.statusCode }),
            ...(last.result.tlsExpiresAt === undefined ? {} : { tlsExpiresAt: last.result.tlsExpiresAt }),
          },
    interval: definition.interval,
    timeout: definition.timeout,
    retries: definition.retries,
    uptime24h,
    definition: { ...service.input, url: withoutPassword(service.input.url) } as Record<string, unknown>,
    createdAt: service.createdAt,
    updatedAt: service.updatedAt,
    tags: service.input.tags ?? [],
    group: service.input.group ?? null,
    paused: service.input.paused === true,
  };
}

/**
 * Uptime of the last 24 h of every service, from one grouped query over the roll-ups (the recorder
 * rewrites the current hour's rows every second, so they lag by at most one flush).
 */
export async function uptimes24h(store: HealthStore, now: number): Promise<Map<number, number>> {
  const totals = await store.uptimeTotals(Math.floor(now / HOUR_MS) - 23);
  return new Map([...totals].map(([id, { checks, up }]) => [id, checks === 0 ? 0 : up / checks]));
}

/**
 * Uptime and response-time percentiles over 24 h, 7 d, 30 d and 365 d, from at most 8,760 roll-up rows
 * (hourly rows are kept HEALTH_ROLLUP_RETENTION, 400 days by default).
 */
export async function windowsOf(
  service: WatchedService,
  store: HealthStore,
  now: number,
): Promise<Record<keyof typeof WINDOWS, WindowSummary>> {
  const hour = Math.floor(now / HOUR_MS);
  const rows = await store.rollups(service.id, hour - WINDOWS['365d'] + 1);
  const since = (hours: number): HealthRollup[] => rows.filter((r) => r.hour > hour - hours);
  return {
    '24h': summarize(since(WINDOWS['24h'])),
    '7d': summarize(since(WINDOWS['7d'])),
    '30d': summarize(since(WINDOWS['30d'])),
    '365d': summarize(rows),
  };
}

/** What the list can be narrowed to (?tag=&group=&state=&q=); every given filter must match. */
export interface ServiceFilter {
  tag?: string | undefined;
  group?: string | undefined;
  state?: string | undefined;
  q?: string | undefined;
}

export function matchesFilter(service: WatchedService, filter: ServiceFilter): boolean {
  const { input, tracker, definition } = service;
  if (filter.tag !== undefined && !(input.tags ?? []).includes(filter.tag)) return false;
  if (filter.group !== undefined && (input.group ?? '') !== filter.group) return false;
  if (filter.state !== undefined) {
    const state = input.paused === true ? 'paused' : tracker.state;
    if (state !== filter.state) return false;
  }
  if (filter.q !== undefined && filter.q !== '') {
    const needle = filter.q.toLowerCase();
    const haystack = [definition.name, definition.displayUrl, input.group ?? '', ...(input.tags ?? [])];
    if (!haystack.some((text) => text.toLowerCase().includes(needle))) return false;
  }
  return true;
}
