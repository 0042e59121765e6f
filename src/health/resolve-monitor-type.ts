import jsonata from 'jsonata';
import { DomainError } from '../domain/errors.js';
import type { MonitorTypeSettings } from './monitor-type-fields.js';
import type { ProbeType, ServiceInput } from './service-schema.js';

const DEFAULT_NOTICE_DAYS = [30, 14, 7];
const DEFAULT_PUSH_GRACE_MS = 30_000;
const DEFAULT_READ_LIMIT = 65_536;

/** Which probe types each second-batch field applies to (a field given to another type is a 422). */
const APPLIES_TO: Readonly<Record<string, readonly ProbeType[]>> = {
  payload: ['tcp'],
  readLimitBytes: ['tcp'],
  jsonata: ['http'],
  pushGrace: ['push'],
  pingCount: ['ping'],
  tlsNoticeDays: ['tls'],
  noticeChannels: ['tls'],
};

function invalid(field: string, why: string, extra?: Record<string, unknown>): DomainError {
  return new DomainError('invalid_service', 422, why, field, extra);
}

/** Checks the URL of a push, ping, gRPC or TLS monitor (the other types are checked by resolveDefinition). */
export function checkMonitorUrl(type: ProbeType, url: URL): void {
  if (type === 'push' && (url.hostname !== '' || url.pathname.replace(/^\/+/, '') !== ''))
    throw invalid('url', 'a push monitor is written push:// (its address is /api/push/<token>)');
  if ((type === 'ping' || type === 'grpc' || type === 'tls') && url.hostname === '')
    throw invalid('url', `a ${type} monitor needs a host: ${EXAMPLES[type] ?? ''}`);
  if (type === 'grpc' && url.port === '')
    throw invalid('url', 'a grpc:// URL needs a port: grpc://host:50051[/service.Name]');
  if (type === 'ping' && url.pathname.replace(/^\/+/, '') !== '')
    throw invalid('url', 'a ping monitor names a host (and the TCP fallback port): ping://host[:port]');
}

const EXAMPLES: Partial<Record<ProbeType, string>> = {
  ping: 'ping://host[:port]',
  grpc: 'grpc://host:50051/service.Name',
  tls: 'tls://host:443?sni=name',
};

/** The second batch's settings with defaults, or a 422 naming the field (a JSONata error with its position). */
export function monitorSettings(input: ServiceInput, type: ProbeType): MonitorTypeSettings {
  for (const [field, types] of Object.entries(APPLIES_TO))
    if (input[field as keyof ServiceInput] !== undefined && !types.includes(type))
      throw invalid(field, `${field} applies to ${types.join(', ')} monitors only`);
  if (input.jsonata !== undefined) checkJsonata(input.jsonata);
  if (input.payload !== undefined && input.keyword === undefined)
    throw invalid('payload', 'a payload is sent to read an answer: give the `keyword` it must contain');
  return {
    payload: input.payload,
    readLimitBytes: input.readLimitBytes ?? DEFAULT_READ_LIMIT,
    jsonata: input.jsonata,
    pushGraceMs: input.pushGrace ?? DEFAULT_PUSH_GRACE_MS,
    pingCount: input.pingCount ?? 3,
    tlsNoticeDays: [...new Set(input.tlsNoticeDays ?? DEFAULT_NOTICE_DAYS)].sort((a, b) => b - a),
    noticeChannels: input.noticeChannels ?? [],
  };
}

/** Parses the expression now, so a mistake is a 422 at save time with where it is, not a DOWN later. */
function checkJsonata(expression: string): void {
  try {
    jsonata(expression);
  } catch (error) {
    const { message, position, token } = error as { message?: string; position?: number; token?: string };
    throw invalid('jsonata', `not a JSONata expression: ${message ?? String(error)}`, {
      ...(position === undefined ? {} : { position }),
      ...(token === undefined ? {} : { token }),
    });
  }
}
