import { Type } from '@sinclair/typebox';
import type { ErrorCode } from '../domain/errors.js';
import type { TSchema } from '@sinclair/typebox';

/** RFC 9457 problem details, plus the stable `code` clients branch on and the offending `field`. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    code: Type.String({ description: 'Stable machine-readable error code.' }),
    detail: Type.String({ description: 'Why the request failed, for a person.' }),
    field: Type.Optional(Type.String({ description: 'The request field at fault (dotted path).' })),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
  },
  { additionalProperties: true, $id: 'Problem' },
);

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  field?: string;
  instance?: string;
  requestId?: string;
  [extra: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function problem(status: number, code: string, detail: string, field?: string): Problem {
  const body: Problem = {
    type: `urn:metrics-service:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
  };
  if (field !== undefined && field !== '') body.field = field;
  return body;
}

/** Status codes for per-sample rejection codes when a single-sample request is refused. */
const CONFLICTS: ReadonlySet<ErrorCode> = new Set([
  'metric_type_conflict',
  'bucket_conflict',
  'reserved_metric_name',
]);

export function statusForRejection(code: ErrorCode): number {
  return CONFLICTS.has(code) ? 409 : 422;
}

/** The error responses every API route documents, referencing the shared Problem schema. */
export function errorResponses(...statuses: number[]): Record<number, TSchema> {
  const out: Record<number, TSchema> = {};
  for (const status of [400, ...statuses, 500]) {
    out[status] = Type.Unsafe<Problem>(Type.Ref('Problem', { description: TITLES[status] ?? 'Error' }));
  }
  return out;
}
