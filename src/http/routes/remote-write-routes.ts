import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import type { RemoteWriteReceiver, Written } from '../../receivers/remote-write/receiver.js';
import { readRawBody } from '../raw-body.js';
import { errorResponses } from '../problem.js';

export interface RemoteWriteRouteDeps {
  receiver: RemoteWriteReceiver;
  /** REMOTE_WRITE_MAX_BODY_BYTES: the compressed body. */
  maxBodyBytes: number;
}

/** POST /api/v1/write: Prometheus remote write 1.0 and 2.0 (ADR 0016). */
export function remoteWriteRoutes(deps: RemoteWriteRouteDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    // Any content type reaches the handler as bytes: the receiver negotiates, and answers 415 itself
    // with the list of supported protos (Fastify's own 415 would speak of JSON).
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      readRawBody(request.headers, payload, deps.maxBodyBytes, 'REMOTE_WRITE_MAX_BODY_BYTES').then(
        (body) => {
          done(null, body);
        },
        (error: unknown) => {
          done(error as Error);
        },
      );
    });

    app.post(
      '/api/v1/write',
      {
        config: { basicAuth: true },
        schema: {
          tags: ['metrics'],
          summary: 'Prometheus remote write 1.0 and 2.0',
          description:
            'A snappy-compressed (block format) protobuf: `prometheus.WriteRequest` (1.0: `Content-Type: application/x-protobuf`, `X-Prometheus-Remote-Write-Version: 0.1.0`) or `io.prometheus.write.v2.Request` (2.0: `Content-Type: application/x-protobuf;proto=io.prometheus.write.v2.Request`), `Content-Encoding: snappy`. Answers 204 when everything was stored; 400 when the request is malformed (nothing stored) or some samples were refused (the others are stored; the problem lists the first ones) — senders do not retry a 4xx; 413 over REMOTE_WRITE_MAX_BODY_BYTES or MAX_BATCH_SAMPLES; 415 for another content type or encoding; 503 when the store is down (senders retry). The `X-Prometheus-Remote-Write-Samples-Written`, `-Histograms-Written` and `-Exemplars-Written` headers say what was stored. Authenticates with an ingest token as `Authorization: Bearer <token>` or as the password of HTTP basic auth (`remote_write.basic_auth`). Classic histograms are stored flat (`x_bucket{le}`, `x_sum`, `x_count`, as sent); native histograms are refused; staleness markers are skipped.',
          response: {
            204: Type.Null({ description: 'Everything was stored.' }),
            ...errorResponses(413, 415, 503),
          },
        },
      },
      async (request, reply) => {
        const body = request.body instanceof Uint8Array ? request.body : new Uint8Array(0);
        // An empty body is an empty WriteRequest in either version: nothing to do (no snappy needed).
        if (body.length === 0)
          return writtenHeaders(reply, { samples: 0, histograms: 0, exemplars: 0 }).status(204).send(null);
        const outcome = await deps.receiver.write(
          body,
          request.headers['content-type'],
          request.headers['content-encoding'],
        );
        writtenHeaders(reply, outcome.written);
        if (outcome.ok) return reply.status(204).send(null);
        const first = outcome.items[0]!;
        throw new DomainError(
          'samples_rejected',
          400,
          `${String(outcome.refused)} samples refused, ${String(outcome.written.samples)} stored; first: ${first.series}: ${first.code}: ${first.reason}`,
          undefined,
          { refused: outcome.refused, written: outcome.written, rejected: outcome.items },
        );
      },
    );
    return Promise.resolve();
  };
}

function writtenHeaders<R extends { header: (name: string, value: string) => R }>(
  reply: R,
  written: Written,
): R {
  return reply
    .header('x-prometheus-remote-write-samples-written', String(written.samples))
    .header('x-prometheus-remote-write-histograms-written', String(written.histograms))
    .header('x-prometheus-remote-write-exemplars-written', String(written.exemplars));
}
