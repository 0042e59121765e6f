import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { inflateBody } from '../../receivers/otlp/body.js';
import {
  UndecodableBody,
  decodeRequest,
  encodeResponse,
  encodeStatus,
  type OtlpEncoding,
} from '../../receivers/otlp/codec.js';
import type { OtlpReceiver } from '../../receivers/otlp/receiver.js';
import { errorResponses } from '../problem.js';
import { recordRefusal } from '../request-log.js';

export interface OtlpRouteDeps {
  receiver: OtlpReceiver;
  /** OTLP_MAX_BODY_BYTES: the body as received and once gunzipped. */
  maxBodyBytes: number;
}

/** The paths OTLP/HTTP exporters post to: the spec's default, and Prometheus' `/otlp` prefix. */
export const OTLP_PATHS = ['/v1/metrics', '/otlp/v1/metrics'] as const;

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';
/** When the store refuses a write, how long an exporter should wait before sending the batch again. */
const RETRY_AFTER_SECONDS = 5;

function encodingOf(request: FastifyRequest): OtlpEncoding {
  const type = (request.headers['content-type'] ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return type === JSON_TYPE ? 'json' : 'protobuf';
}

/** google.rpc.Code for an HTTP status: what a gRPC-minded client reads in the Status. */
function grpcCode(status: number): number {
  if (status === 429) return 8; // RESOURCE_EXHAUSTED
  if (status === 503) return 14; // UNAVAILABLE
  if (status === 401) return 16; // UNAUTHENTICATED
  if (status === 403) return 7; // PERMISSION_DENIED
  return status >= 500 ? 13 : 3; // INTERNAL : INVALID_ARGUMENT
}

/** A refusal as OTLP/HTTP answers it: a google.rpc.Status in the request's encoding. */
function sendStatus(request: FastifyRequest, reply: FastifyReply, error: DomainError): FastifyReply {
  const encoding = encodingOf(request);
  recordRefusal(request, {
    code: error.code,
    ...(error.field === undefined ? {} : { field: error.field }),
    detail: error.message,
  });
  if (error.status === 503 || error.status === 429)
    void reply.header('retry-after', String(RETRY_AFTER_SECONDS));
  return reply
    .status(error.status)
    .type(encoding === 'json' ? JSON_TYPE : PROTOBUF)
    .send(encodeStatus(encoding, grpcCode(error.status), error.message, error.code, error.field));
}

const ExportResponseSchema = Type.Object(
  {
    partialSuccess: Type.Optional(
      Type.Object({
        rejectedDataPoints: Type.String({ description: 'int64 as a string, as OTLP/JSON writes it.' }),
        errorMessage: Type.String(),
      }),
    ),
  },
  {
    description:
      'ExportMetricsServiceResponse, in the encoding of the request (application/x-protobuf or application/json).',
    examples: [
      { partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 of 12 data points refused: …' } },
    ],
  },
);

const RpcStatusSchema = Type.Object(
  {
    code: Type.Integer({ description: 'google.rpc.Code (3: INVALID_ARGUMENT).' }),
    message: Type.String(),
    details: Type.Array(
      Type.Object(
        {
          '@type': Type.String(),
          reason: Type.String({ description: 'The stable error code, as `code` in problem documents.' }),
          domain: Type.String(),
          metadata: Type.Record(Type.String(), Type.String()),
        },
        { additionalProperties: true },
      ),
    ),
  },
  {
    description:
      'google.rpc.Status in the encoding of the request: the body is not an ExportMetricsServiceRequest. Also answered for 413 and 503 when raised while decoding or storing.',
    examples: [
      {
        code: 3,
        message: 'not an OTLP ExportMetricsServiceRequest in protobuf: index out of range',
        details: [
          {
            '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
            reason: 'invalid_otlp_body',
            domain: 'metrics-service',
            metadata: { field: 'body' },
          },
        ],
      },
    ],
  },
);

/** Documentation only: the handler decodes the bytes itself (protobuf or JSON, gzip or not). */
const ExportRequestSchema = Type.Object(
  {
    resourceMetrics: Type.Array(Type.Unknown(), {
      description: 'ResourceMetrics, as opentelemetry/proto/metrics/v1/metrics.proto defines them.',
    }),
  },
  {
    description:
      'ExportMetricsServiceRequest (opentelemetry/proto/collector/metrics/v1/metrics_service.proto) in OTLP/JSON or protobuf.',
    examples: [
      {
        resourceMetrics: [
          {
            resource: {
              attributes: [
                { key: 'service.name', value: { stringValue: 'checkout' } },
                { key: 'service.instance.id', value: { stringValue: 'pod-1' } },
              ],
            },
            scopeMetrics: [
              {
                scope: { name: 'checkout-meter', version: '1.0.0' },
                metrics: [
                  {
                    name: 'http.server.requests',
                    unit: '{request}',
                    sum: {
                      aggregationTemporality: 2,
                      isMonotonic: true,
                      dataPoints: [
                        { asInt: '42', attributes: [{ key: 'route', value: { stringValue: '/pay' } }] },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  },
);

const description = `OpenTelemetry OTLP/HTTP metrics exporters post here (OTEL_EXPORTER_OTLP_METRICS_ENDPOINT=<base>/v1/metrics, or <base>/otlp/v1/metrics). The body is an ExportMetricsServiceRequest as application/x-protobuf or application/json (OTLP's JSON mapping), optionally Content-Encoding: gzip; at most OTLP_MAX_BODY_BYTES, as received and once inflated. Names and labels follow the OpenTelemetry-to-Prometheus compatibility spec: service.name → job, service.instance.id → instance, other resource attributes in target_info, unit and _total suffixes. The answer is an ExportMetricsServiceResponse in the request's encoding; refused data points are counted in partialSuccess with their reasons (200). An undecodable body gets 400 with a google.rpc.Status whose ErrorInfo detail carries the stable error code. 503 (store unavailable) comes with Retry-After.`;

/** POST /v1/metrics and /otlp/v1/metrics: OTLP/HTTP metrics, in their own context (their own body parsers). */
export function otlpRoutes(deps: OtlpRouteDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    // This context reads bodies as bytes: protobuf, JSON and gzip are decoded by the handler, after the
    // size is known. Other content types get Fastify's 415 (mapped below).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser(
      [PROTOBUF, JSON_TYPE],
      { parseAs: 'buffer', bodyLimit: deps.maxBodyBytes },
      (_request, body, done) => {
        done(null, body);
      },
    );

    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      const encoding = encodingOf(request);
      try {
        const raw = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
        const bytes = await inflateBody(raw, request.headers['content-encoding'], deps.maxBodyBytes);
        const outcome = await deps.receiver.receive(decodeRequest(bytes, encoding));
        const partial =
          outcome.rejectedDataPoints > 0 || outcome.errorMessage !== ''
            ? { rejectedDataPoints: outcome.rejectedDataPoints, errorMessage: outcome.errorMessage }
            : undefined;
        return await reply
          .status(200)
          .type(encoding === 'json' ? JSON_TYPE : PROTOBUF)
          .send(encodeResponse(encoding, partial));
      } catch (error) {
        if (error instanceof UndecodableBody) {
          return sendStatus(request, reply, new DomainError('invalid_otlp_body', 400, error.message, 'body'));
        }
        if (error instanceof DomainError) return sendStatus(request, reply, error);
        throw error;
      }
    };

    // Refusals before the handler (size, media type) keep the problem format, with OTLP's settings named.
    const errorHandler = (error: FastifyError) => {
      if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        throw new DomainError(
          'body_too_large',
          413,
          `the body is larger than OTLP_MAX_BODY_BYTES (${deps.maxBodyBytes} bytes): export in smaller batches`,
          'body',
        );
      }
      if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
        throw new DomainError(
          'unsupported_media_type',
          415,
          'OTLP/HTTP bodies are application/x-protobuf or application/json',
          'content-type',
        );
      }
      throw error;
    };

    for (const url of OTLP_PATHS) {
      app.post(
        url,
        {
          schema: {
            tags: ['metrics'],
            summary: 'OTLP/HTTP metrics (OpenTelemetry exporters)',
            description,
            consumes: [JSON_TYPE, PROTOBUF],
            body: ExportRequestSchema,
            produces: [PROTOBUF, JSON_TYPE],
            response: {
              200: ExportResponseSchema,
              ...errorResponses(401, 403, 413, 415, 429, 503),
              400: RpcStatusSchema,
            },
          },
          errorHandler,
          // The body is bytes here; decodeRequest checks it against the OTLP message types.
          validatorCompiler: () => (data: unknown) => ({ value: data }),
        },
        handler,
      );
    }
    return Promise.resolve();
  };
}
