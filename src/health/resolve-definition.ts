import { DomainError } from '../domain/errors.js';
import { EgressDeniedError, type EgressGuard } from '../security/egress-guard.js';
import type { ProbeType, ServiceDefinition, ServiceInput } from './service-schema.js';

/** Defaults of the fields a client leaves out (HEALTH_DEFAULT_* settings). */
export interface ServiceDefaults {
  interval: number;
  timeout: number;
  retries: number;
}

const SCHEMES: Readonly<Record<string, ProbeType>> = { 'http:': 'http', 'https:': 'http', 'tcp:': 'tcp' };
/** Header names a check may not set: they belong to the connection, and a wrong one breaks the probe. */
const FORBIDDEN_HEADERS = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'upgrade']);

function invalid(field: string, why: string): DomainError {
  return new DomainError('invalid_service', 422, why, field);
}

/**
 * Turns a validated input into the definition the checker runs, with every default applied, or throws a
 * 422 naming the field. A URL whose host is an IP literal of a private, loopback… range is refused now
 * (`egress_denied`) unless EGRESS_ALLOWLIST names it; host names are judged at each check, when resolved.
 */
export function resolveDefinition(
  input: ServiceInput,
  defaults: ServiceDefaults,
  guard: EgressGuard,
): ServiceDefinition {
  let url: URL;
  try {
    url = new URL(input.url);
  } catch {
    throw invalid('url', `"${input.url}" is not an absolute URL`);
  }
  const type = SCHEMES[url.protocol];
  if (type === undefined)
    throw invalid('url', `scheme ${url.protocol} is not checked; use http, https or tcp`);
  if (input.type !== undefined && input.type !== type)
    throw invalid('type', `type ${input.type} does not match the URL scheme ${url.protocol}`);
  if (url.username !== '' || url.password !== '')
    throw invalid('url', 'credentials in the URL are not stored; send them in `headers` (Authorization)');
  if (type === 'tcp' && url.port === '') throw invalid('url', 'a tcp:// URL needs a port: tcp://host:5432');
  try {
    guard.checkHost(url.hostname);
  } catch (error) {
    if (error instanceof EgressDeniedError)
      throw new DomainError('egress_denied', 422, error.message, 'url', { reason: error.reason });
    throw error;
  }
  for (const name of Object.keys(input.headers ?? {})) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
      throw invalid(`headers.${name}`, 'not a valid header name');
    if (FORBIDDEN_HEADERS.has(name.toLowerCase()))
      throw invalid(`headers.${name}`, `${name} is set by the probe itself`);
  }
  const interval = input.interval ?? defaults.interval;
  const timeout = input.timeout ?? Math.min(defaults.timeout, interval);
  if (timeout > interval)
    throw invalid('timeout', `timeout (${timeout} ms) exceeds the interval (${interval} ms)`);
  const json = input.json;
  if (json !== undefined && json.operator !== 'exists' && json.value === undefined)
    throw invalid('json.value', `operator ${json.operator ?? '=='} needs a value`);
  if (type === 'tcp') {
    const httpOnly = [
      'method',
      'headers',
      'body',
      'expectedStatus',
      'keyword',
      'json',
      'maxRedirects',
    ] as const;
    const given = httpOnly.find((field) => input[field] !== undefined);
    if (given !== undefined) throw invalid(given, `${given} applies to HTTP checks only`);
  }
  return {
    name: input.name,
    type,
    url: url.toString(),
    interval,
    timeout,
    retries: input.retries ?? defaults.retries,
    retryInterval: input.retryInterval ?? interval,
    method: input.method ?? (input.body === undefined ? 'GET' : 'POST'),
    headers: input.headers ?? {},
    body: input.body,
    expectedStatus: input.expectedStatus ?? ['200-399'],
    keyword: input.keyword,
    invertKeyword: input.invertKeyword ?? false,
    json:
      json === undefined
        ? undefined
        : { path: json.path, operator: json.operator ?? '==', value: json.value },
    degradedThreshold: input.degradedThreshold,
    tlsExpiryDays: input.tlsExpiryDays ?? 14,
    ignoreTlsErrors: input.ignoreTlsErrors ?? false,
    maxRedirects: input.maxRedirects ?? 5,
  };
}
