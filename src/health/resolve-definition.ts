import { DomainError } from '../domain/errors.js';
import { EgressDeniedError, type EgressGuard } from '../security/egress-guard.js';
import { checkMonitorUrl, monitorSettings } from './resolve-monitor-type.js';
import type { ProbeType, ServiceDefinition, ServiceInput } from './service-schema.js';

/** Defaults of the fields a client leaves out (HEALTH_DEFAULT_* settings). */
export interface ServiceDefaults {
  interval: number;
  timeout: number;
  retries: number;
}

const SCHEMES: Readonly<Record<string, ProbeType>> = {
  'http:': 'http',
  'https:': 'http',
  'tcp:': 'tcp',
  'dns:': 'dns',
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'redis:': 'redis',
  'rediss:': 'redis',
  'mysql:': 'mysql',
  'push:': 'push',
  'ping:': 'ping',
  'grpc:': 'grpc',
  'grpcs:': 'grpc',
  'tls:': 'tls',
};
/** Checks that log in: their URL carries the user and password, as their clients' URLs do. */
const WITH_CREDENTIALS: ReadonlySet<ProbeType> = new Set(['postgres', 'redis', 'mysql']);
const HTTP_ONLY = ['method', 'headers', 'body', 'expectedStatus', 'json', 'maxRedirects'] as const;
/** HTTP bodies and TCP banners are searched for a keyword. */
const WITH_KEYWORD: ReadonlySet<ProbeType> = new Set(['http', 'tcp']);
export const DNS_RECORD_TYPES = ['A', 'AAAA', 'CNAME', 'MX', 'TXT', 'NS'] as const;
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
    throw invalid(
      'url',
      `scheme ${url.protocol} is not checked; use http, https, tcp, dns, postgres, redis, rediss, mysql, push, ping, grpc, grpcs or tls`,
    );
  if (input.type !== undefined && input.type !== type)
    throw invalid('type', `type ${input.type} does not match the URL scheme ${url.protocol}`);
  if ((url.username !== '' || url.password !== '') && !WITH_CREDENTIALS.has(type))
    throw invalid('url', 'credentials in the URL are not stored; send them in `headers` (Authorization)');
  if (type === 'tcp' && url.port === '') throw invalid('url', 'a tcp:// URL needs a port: tcp://host:5432');
  if (type === 'dns') checkDnsUrl(url);
  checkMonitorUrl(type, url);
  // A dns: URL without an authority asks the system's resolver; a push monitor connects nowhere.
  if (url.hostname !== '') {
    try {
      guard.checkHost(url.hostname);
    } catch (error) {
      if (error instanceof EgressDeniedError)
        throw new DomainError('egress_denied', 422, error.message, 'url', { reason: error.reason });
      throw error;
    }
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
  if (type !== 'http') {
    const given = HTTP_ONLY.find((field) => input[field] !== undefined);
    if (given !== undefined) throw invalid(given, `${given} applies to HTTP checks only`);
  }
  if (!WITH_KEYWORD.has(type)) {
    const given = (['keyword', 'invertKeyword'] as const).find((field) => input[field] !== undefined);
    if (given !== undefined) throw invalid(given, `${given} applies to HTTP and TCP checks only`);
  }
  const monitor = monitorSettings(input, type);
  if (input.query !== undefined && !WITH_CREDENTIALS.has(type))
    throw invalid('query', 'query applies to postgres, mysql and redis checks only');
  if (input.expected !== undefined && !WITH_CREDENTIALS.has(type) && type !== 'dns')
    throw invalid('expected', 'expected applies to dns, postgres, mysql and redis checks only');
  if (type === 'redis' && input.query !== undefined) checkRedisCommand(input.query);
  return {
    name: input.name,
    type,
    url: url.toString(),
    displayUrl: withoutPassword(url.toString()),
    interval,
    timeout,
    // A missed heartbeat is already a deadline passed (interval + grace): DOWN at once unless told.
    retries: input.retries ?? (type === 'push' ? 0 : defaults.retries),
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
    query: input.query,
    expected: input.expected,
    monitor,
  };
}

/** `dns://[resolver[:port]]/name?type=A`: a name to look up, and a record type the probe knows. */
function checkDnsUrl(url: URL): void {
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z0-9_.-]{1,253}$/.test(name))
    throw invalid('url', 'a dns: URL names the record to look up: dns://1.1.1.1/example.com?type=A');
  const recordType = (url.searchParams.get('type') ?? 'A').toUpperCase();
  if (!(DNS_RECORD_TYPES as readonly string[]).includes(recordType))
    throw invalid('url', `record type ${recordType} is not checked; use ${DNS_RECORD_TYPES.join(', ')}`);
}

/** Redis commands a check may run: read-only ones, so a monitor can never change the data it watches. */
export const REDIS_READ_COMMANDS = [
  'PING',
  'GET',
  'EXISTS',
  'TYPE',
  'TTL',
  'STRLEN',
  'LLEN',
  'SCARD',
  'ZCARD',
  'HLEN',
  'HGET',
  'XLEN',
  'DBSIZE',
] as const;

function checkRedisCommand(query: string): void {
  const command = query.trim().split(/\s+/)[0]?.toUpperCase() ?? '';
  if (!(REDIS_READ_COMMANDS as readonly string[]).includes(command))
    throw invalid('query', `redis checks run read-only commands: ${REDIS_READ_COMMANDS.join(', ')}`);
}

/** A URL with its password replaced by `***` (a database check's URL carries one), else as it is. */
export function withoutPassword(text: string): string {
  try {
    const url = new URL(text);
    if (url.password === '') return text;
    url.password = '***';
    return url.toString();
  } catch {
    return text;
  }
}
