import { authorizedFetch } from './session.js';

/** One series of a PromQL answer: its labels and [unix seconds, value as text] points. */
export interface PromSeries {
  metric: Record<string, string>;
  values?: [number, string][];
  value?: [number, string];
}

export interface PromResult {
  resultType: 'matrix' | 'vector' | 'scalar' | 'string';
  result: PromSeries[] | [number, string];
}

/**
 * A refused query as Prometheus words it (`bad_data`, `execution`, `timeout`…), with the position its
 * message starts with ("1:27: parse error: …") so the page can point at the character.
 */
export class PromError extends Error {
  constructor(
    readonly errorType: string,
    message: string,
    readonly line: number | undefined,
    readonly column: number | undefined,
  ) {
    super(message);
  }
}

/** "invalid parameter \"query\": 1:27: parse error: …" → line 1, column 27. */
export function positionOf(message: string): { line: number; column: number } | undefined {
  const match = /(?:^|: )(\d+):(\d+): /.exec(message);
  return match === null ? undefined : { line: Number(match[1]), column: Number(match[2]) };
}

async function call<T>(path: string, form?: URLSearchParams): Promise<T> {
  const response = await authorizedFetch(path, {
    method: form === undefined ? 'GET' : 'POST',
    headers: {
      accept: 'application/json',
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    ...(form === undefined ? {} : { body: form.toString() }),
  });
  let body: { status?: string; data?: T; errorType?: string; error?: string; detail?: string };
  try {
    body = (await response.json()) as typeof body;
  } catch {
    throw new PromError('internal', `${path}: ${String(response.status)}`, undefined, undefined);
  }
  if (response.ok && body.status === 'success') return body.data as T;
  const message = body.error ?? body.detail ?? `${path}: ${String(response.status)}`;
  const at = positionOf(message);
  throw new PromError(body.errorType ?? 'internal', message, at?.line, at?.column);
}

/** POST with a form body, as Grafana does: a long expression never hits a URL length limit. */
export function queryRange(query: string, start: number, end: number, step: number): Promise<PromResult> {
  const form = new URLSearchParams({ query, start: String(start), end: String(end), step: String(step) });
  return call<PromResult>('/api/v1/query_range', form);
}

export function queryInstant(query: string, time: number): Promise<PromResult> {
  return call<PromResult>('/api/v1/query', new URLSearchParams({ query, time: String(time) }));
}

export function metricNames(): Promise<string[]> {
  return call<string[]>('/api/v1/label/__name__/values');
}

/** Label names, of the series matching `match` if given. */
export function labelNames(match?: string): Promise<string[]> {
  const query = match === undefined ? '' : `?${new URLSearchParams({ 'match[]': match }).toString()}`;
  return call<string[]>(`/api/v1/labels${query}`);
}

/** Type and help per metric family, as /api/v1/metadata lists them. */
export async function metricTypes(): Promise<Record<string, { type: string; help: string }>> {
  const data = await call<Record<string, { type: string; help: string }[]>>('/api/v1/metadata');
  return Object.fromEntries(
    Object.entries(data).flatMap(([name, [first]]) => (first === undefined ? [] : [[name, first]])),
  );
}

export function labelValues(name: string, match?: string): Promise<string[]> {
  const query = match === undefined ? '' : `?${new URLSearchParams({ 'match[]': match }).toString()}`;
  return call<string[]>(`/api/v1/label/${encodeURIComponent(name)}/values${query}`);
}

/** The label sets of a metric's series: which label names it has. */
export function seriesOf(metric: string): Promise<Record<string, string>[]> {
  return call<Record<string, string>[]>(
    `/api/v1/series?${new URLSearchParams({ 'match[]': metric }).toString()}`,
  );
}
