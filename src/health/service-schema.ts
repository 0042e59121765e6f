import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { MONITOR_TYPE_FIELDS, type MonitorTypeSettings } from './monitor-type-fields.js';

/** Probe types; each is one file in health/probes and an entry in its registry. */
export const PROBE_TYPES = [
  'http',
  'tcp',
  'dns',
  'postgres',
  'redis',
  'mysql',
  // Issue 20's second batch: push/heartbeat, ICMP ping, gRPC health, TLS certificate expiry.
  'push',
  'ping',
  'grpc',
  'tls',
] as const;
export type ProbeType = (typeof PROBE_TYPES)[number];

type HttpMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
export const JSON_OPERATORS = ['==', '!=', '<', '<=', '>', '>=', 'contains', 'exists'] as const;
export type JsonOperator = (typeof JSON_OPERATORS)[number];

/**
 * A watched service as clients register it (POST /api/health/services, the services file). The seed's
 * five fields (`name`, `url`, `interval`, `timeout`, `retries`, durations in milliseconds) are enough;
 * the rest refines HTTP checks.
 */
export const ServiceInputSchema = Type.Object(
  {
    name: Type.String({
      pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$',
      description: 'Unique name: letters, digits, and _ . : - (up to 128).',
      examples: ['custom-service'],
    }),
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      description:
        'http(s)://host[:port]/path (HTTP), tcp://host:port (TCP connect), dns://[resolver[:port]]/name?type=A (DNS, RFC 4501), postgres://user:password@host[:port]/db, redis[s]://[user:password@]host[:port][/db], mysql://user:password@host[:port]/db (connect, authenticate, query).',
      examples: ['http://custom-service:8080/health'],
    }),
    type: Type.Optional(
      Type.Union(
        PROBE_TYPES.map((type) => Type.Literal(type)),
        { description: 'The check; follows from the URL scheme when left out.' },
      ),
    ),
    interval: Type.Optional(
      Type.Integer({ minimum: 1000, maximum: 86_400_000, description: 'ms between checks (default 30000).' }),
    ),
    timeout: Type.Optional(
      Type.Integer({
        minimum: 100,
        maximum: 120_000,
        description: 'ms before a check fails (default 5000).',
      }),
    ),
    retries: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 20,
        description: 'Consecutive failures before the service is DOWN (default 3; 0 counts as 1).',
      }),
    ),
    retryInterval: Type.Optional(
      Type.Integer({
        minimum: 1000,
        maximum: 86_400_000,
        description: 'ms between checks while failing but not yet DOWN (default: interval).',
      }),
    ),
    method: Type.Optional(
      Type.Union([
        Type.Literal('GET'),
        Type.Literal('HEAD'),
        Type.Literal('POST'),
        Type.Literal('PUT'),
        Type.Literal('PATCH'),
        Type.Literal('DELETE'),
        Type.Literal('OPTIONS'),
      ]),
    ),
    headers: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: 8192 }), { maxProperties: 50 }),
    ),
    body: Type.Optional(Type.String({ maxLength: 65_536 })),
    expectedStatus: Type.Optional(
      Type.Array(
        Type.Union([
          Type.Integer({ minimum: 100, maximum: 599 }),
          Type.String({ pattern: '^([1-5][0-9][0-9]-[1-5][0-9][0-9]|[1-5]xx)$' }),
        ]),
        {
          minItems: 1,
          maxItems: 20,
          description:
            'Codes (200), ranges ("200-299") or classes ("2xx") that count as up (default 200-399).',
        },
      ),
    ),
    keyword: Type.Optional(
      Type.String({ minLength: 1, maxLength: 1024, description: 'Text the body must contain.' }),
    ),
    invertKeyword: Type.Optional(Type.Boolean({ description: 'The body must NOT contain the keyword.' })),
    json: Type.Optional(
      Type.Object(
        {
          path: Type.String({
            pattern: '^\\$(\\.[A-Za-z_][A-Za-z0-9_-]*|\\[[0-9]+\\]|\\["[^"]*"\\])*$',
            maxLength: 256,
            description: 'JSON path: $.a.b, $.items[0], $["odd key"].',
          }),
          operator: Type.Optional(
            Type.Union([
              Type.Literal('=='),
              Type.Literal('!='),
              Type.Literal('<'),
              Type.Literal('<='),
              Type.Literal('>'),
              Type.Literal('>='),
              Type.Literal('contains'),
              Type.Literal('exists'),
            ]),
          ),
          value: Type.Optional(Type.Union([Type.String(), Type.Number(), Type.Boolean(), Type.Null()])),
        },
        { additionalProperties: false, description: 'A condition on the JSON body, e.g. $.status == "ok".' },
      ),
    ),
    degradedThreshold: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 120_000,
        description: 'ms: a slower successful check is DEGRADED.',
      }),
    ),
    tlsExpiryDays: Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 365,
        description: 'DEGRADED when the certificate expires within this many days (default 14; 0: never).',
      }),
    ),
    ignoreTlsErrors: Type.Optional(
      Type.Boolean({ description: 'Accept an invalid certificate (its expiry is still watched).' }),
    ),
    maxRedirects: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'Default 5.' })),
    query: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 4096,
        description:
          'postgres, mysql: a SQL query run in a read-only transaction (default SELECT 1); redis: a read-only command (default PING), e.g. GET feature:flag.',
      }),
    ),
    expected: Type.Optional(
      Type.Array(Type.String({ maxLength: 1024 }), {
        minItems: 1,
        maxItems: 20,
        description:
          'Values that must all be in the answer: DNS records (A/AAAA addresses, CNAME/NS names, "10 mx.example.com" for MX, TXT text), or the first column of the query result (the reply for redis).',
      }),
    ),
    tags: Type.Optional(
      Type.Array(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$' }), {
        maxItems: 20,
        uniqueItems: true,
        description:
          'Labels to filter the list by (?tag=), e.g. ["prod", "payments"]: letters, digits, _ . : / - (up to 64).',
        examples: [['prod', 'payments']],
      }),
    ),
    group: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 128,
        pattern: '^[^\\u0000-\\u001f]+$',
        description: 'The group the dashboard lists the service under (?group=), e.g. "Backend".',
        examples: ['Backend'],
      }),
    ),
    paused: Type.Optional(
      Type.Boolean({
        description:
          'Not checked on schedule while true (POST …/pause and …/resume set it); "check now" still checks.',
      }),
    ),
    slaTarget: Type.Optional(
      Type.Number({
        minimum: 0,
        maximum: 100,
        description: 'Uptime target of the monthly report, in percent (default 99.9).',
        examples: [99.9],
      }),
    ),
    ...MONITOR_TYPE_FIELDS,
  },
  { additionalProperties: false, $id: 'HealthServiceInput' },
);

export type ServiceInput = Static<typeof ServiceInputSchema>;

/**
 * A definition as stored, checked again: older versions stored what coercion made of "Infinity" (JSON
 * wrote it as null), so top-level nulls are dropped (the default applies) and named in `dropped` for the
 * log; whatever still fails the schema throws, and the checker skips that service.
 */
export function storedServiceInput(text: string): { input: ServiceInput; dropped: string[] } {
  const raw = JSON.parse(text) as Record<string, unknown>;
  const dropped = Object.keys(raw).filter((key) => raw[key] === null);
  for (const key of dropped) Reflect.deleteProperty(raw, key);
  const error = Value.Errors(ServiceInputSchema, raw).First();
  if (error !== undefined) throw new Error(`stored definition is invalid: ${error.path} ${error.message}`);
  return { input: raw as ServiceInput, dropped };
}

/** PATCH body: any subset of the fields but the name. */
export const ServicePatchSchema = Type.Partial(Type.Omit(ServiceInputSchema, ['name']), {
  additionalProperties: false,
});
export type ServicePatch = Static<typeof ServicePatchSchema>;

/** Where a service definition comes from: the API, or the services file (read-only through the API). */
export type ServiceOrigin = 'api' | 'file';

/** A definition with every default applied, as the checker uses it. */
export interface ServiceDefinition {
  name: string;
  type: ProbeType;
  url: string;
  /** The URL without its password: what views, events and logs show. */
  displayUrl: string;
  interval: number;
  timeout: number;
  retries: number;
  retryInterval: number;
  method: HttpMethod;
  headers: Readonly<Record<string, string>>;
  body: string | undefined;
  expectedStatus: readonly (number | string)[];
  keyword: string | undefined;
  invertKeyword: boolean;
  json: { path: string; operator: JsonOperator; value: unknown } | undefined;
  degradedThreshold: number | undefined;
  tlsExpiryDays: number;
  ignoreTlsErrors: boolean;
  maxRedirects: number;
  query: string | undefined;
  expected: readonly string[] | undefined;
  /** Push, ping, gRPC, TLS, TCP banner and JSONata settings (monitor-type-fields.ts). */
  monitor: MonitorTypeSettings;
}
