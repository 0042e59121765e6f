import { getJson } from './api.js';
import { authorizedFetch } from './session.js';
import type { Heartbeat } from './heartbeat-bar.js';

/** A watched service as GET /api/health/services?heartbeats=N lists it. */
export interface ServiceInfo {
  name: string;
  type: string;
  url: string;
  origin: string;
  state: string;
  since: number;
  reason: { code: string; message: string } | null;
  lastCheck: {
    at: number;
    ok: boolean;
    durationMs: number;
    statusCode?: number;
    tlsExpiresAt?: number;
  } | null;
  interval: number;
  timeout: number;
  retries: number;
  uptime24h: number | null;
  definition: Record<string, unknown>;
  tags: string[];
  group: string | null;
  paused: boolean;
  heartbeats?: Heartbeat[];
}

export interface WindowSummary {
  checks: number;
  uptimeRatio: number | null;
  responseTimeMs: { avg: number; p50: number; p95: number; p99: number; max: number } | null;
}

export interface Incident {
  start: number;
  end: number | null;
  durationMs: number;
  state: 'down' | 'degraded';
  reason: { code: string; message: string } | null;
}

export interface ServiceDetail extends ServiceInfo {
  heartbeats: Heartbeat[];
  windows: Record<'24h' | '7d' | '30d' | '365d', WindowSummary>;
  incidents: Incident[];
}

export interface MonthReport {
  service: string;
  month: string;
  /** The IANA zone whose local days the report counts. */
  timeZone: string;
  slaTarget: number;
  checks: number;
  uptimePercent: number | null;
  downtimeMinutes: number;
  incidents: number;
  slaMet: boolean | null;
  days: {
    date: string;
    /** When the local day begins (UTC ISO): DST days are 23 or 25 hours long. */
    start: string;
    checks: number;
    uptimePercent: number | null;
    downtimeMinutes: number;
    incidents: number;
    slaMet: boolean | null;
  }[];
  incidentList: Incident[];
}

/** The state a row shows: a paused service says so whatever its last state. */
export const shownState = (s: ServiceInfo): string => (s.paused ? 'paused' : s.state);

export const servicePath = (name: string): string => `/api/health/services/${encodeURIComponent(name)}`;

/** A JSON request with any method (the page's writes); the caller shows a refusal with `act`. */
export function sendJson(
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<Response> {
  return authorizedFetch(path, {
    method,
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
}

interface RangeAnswer {
  data: { result: { values: [number, string][] }[] };
}

/**
 * A service's response times over a span, averaged per step so a month is ~300 points, through the
 * Prometheus API (the checks are stored as probe_duration_seconds{service=…}).
 */
export async function responseTimes(name: string, spanMs: number): Promise<[number, number][]> {
  const end = Date.now() / 1000;
  const step = Math.max(15, Math.round(spanMs / 1000 / 300));
  const query = `avg_over_time(probe_duration_seconds{service=${JSON.stringify(name)}}[${String(step)}s])`;
  const params = new URLSearchParams({
    query,
    start: String(end - spanMs / 1000),
    end: String(end),
    step: String(step),
  });
  const answer = await getJson<RangeAnswer>(`/api/v1/query_range?${params.toString()}`);
  return (answer.data.result[0]?.values ?? []).map(([t, v]) => [t * 1000, Number(v)]);
}
