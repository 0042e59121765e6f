import { authorizedFetch } from './session.js';

/** JSON from the service's own API (same origin), as the logged-in user. */
export async function getJson<T>(path: string): Promise<T> {
  const response = await authorizedFetch(path, { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`${path}: ${String(response.status)}`);
  return (await response.json()) as T;
}

/** An RFC 9457 problem as the service answers it (application/problem+json). */
export interface Problem {
  title?: string;
  status?: number;
  code?: string;
  detail?: string;
  field?: string;
}

/** The problem of a failed response; a body that is not one (a proxy's HTML page) still says something. */
export async function problemOf(response: Response): Promise<Problem> {
  try {
    return (await response.json()) as Problem;
  } catch {
    return { status: response.status, title: response.statusText };
  }
}

export async function postJson(path: string, body: unknown): Promise<Response> {
  return authorizedFetch(path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export interface ChartResponse {
  step: number;
  series: { name: string; labels: Record<string, string>; points: [number, number][] }[];
}

export interface ServiceRow {
  name: string;
  state: string;
  url: string;
  uptime24h: number | null;
  lastCheck: { durationMs: number } | null;
  reason: { code: string; message: string } | null;
}

export interface AlertRow {
  id: string;
  ruleId: string;
  timeline: { pendingAt: string; firedAt: string | null };
  silencedBy: string | null;
  ruleName: string;
  state: string;
  severity: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  acknowledged: boolean;
  value: number | null;
}

export interface Summary {
  services: { total: number; up: number; down: number; degraded: number };
  alerts: { firing: number; pending: number };
  requestsPerSecond: number | null;
  errorRatio: number | null;
  latencyP95Seconds: number | null;
  cpuUsageRatio: number | null;
  memoryUsedRatio: number | null;
}
