import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { PromqlEngineApi, PromqlErrorShape, PromqlResult } from '../../promql/api.js';
import { PromqlError } from '../../promql/errors.js';
import { formatFloat } from '../../promql/go-float.js';
import { invalidParameter, parseDurationParam, parseTimeParam } from '../../promql/http-params.js';
import { parsePromql } from '../../promql/parser.js';
import { prettyExpr } from '../../promql/printer.js';

/** Prometheus' status code for each error type (`web/api/v1/api.go`). */
const STATUS: Record<PromqlErrorShape['errorType'] | 'internal', number> = {
  bad_data: 400,
  execution: 422,
  too_many_samples: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
};

type Params = Record<string, string | string[] | undefined>;

/** Typed as unknown: the handlers write the JSON text themselves (a large matrix is never an object tree). */
const Envelope = Type.Unsafe<unknown>(
  Type.Object(
    {
      status: Type.Union([Type.Literal('success'), Type.Literal('error')]),
      data: Type.Optional(Type.Unknown()),
      errorType: Type.Optional(Type.String()),
      error: Type.Optional(Type.String()),
    },
    {
      description:
        "Prometheus' response envelope; values are strings, times are seconds. Errors: {status: 'error', errorType, error} with 400 bad_data, 422 execution or too_many_samples, 503 timeout or canceled.",
    },
  ),
);

const InstantQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'PromQL expression.', examples: ['sum(up)'] })),
  time: Type.Optional(Type.String({ description: 'RFC 3339 or unix seconds; default now.' })),
  timeout: Type.Optional(
    Type.String({ description: 'Evaluation timeout (30s, 1m); at most PROMQL_TIMEOUT.' }),
  ),
});

const RangeQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'PromQL expression.', examples: ['sum(up)'] })),
  start: Type.Optional(Type.String({ description: 'RFC 3339 or unix seconds.', examples: ['1700000000'] })),
  end: Type.Optional(Type.String({ description: 'RFC 3339 or unix seconds.', examples: ['1700003600'] })),
  step: Type.Optional(Type.String({ description: 'Duration (15s) or float seconds.', examples: ['60'] })),
  timeout: Type.Optional(Type.String({ description: 'Evaluation timeout; at most PROMQL_TIMEOUT.' })),
});

const FormatQuery = Type.Object({
  query: Type.Optional(Type.String({ description: 'PromQL expression.', examples: ['sum by(job)(up)'] })),
});

/** `time`/`start`/`end` bodies Grafana posts as forms, merged over the query string (the body wins). */
function params(request: FastifyRequest): Params {
  const query = (request.query ?? {}) as Params;
  const body = request.body;
  return body !== null && typeof body === 'object' ? { ...query, ...(body as Params) } : query;
}

function single(p: Params, name: string): string | undefined {
  const value = p[name];
  return Array.isArray(value) ? value[0] : value;
}

interface Answer {
  status: number;
  body: string;
}

function errorAnswer(reply: FastifyReply, error: unknown): Answer {
  const known = error instanceof PromqlError;
  const errorType = known ? error.errorType : 'internal';
  const message = known ? error.message : 'internal error while evaluating the query';
  if (!known) reply.log.error({ err: error }, 'PromQL query failed');
  return { status: STATUS[errorType], body: JSON.stringify({ status: 'error', errorType, error: message }) };
}

function dataAnswer(data: string): Answer {
  return { status: 200, body: `{"status":"success","data":${data}}` };
}

/** Runs a handler's work and writes its answer or its error in Prometheus' envelope. */
async function answer(reply: FastifyReply, work: () => Promise<string> | string): Promise<FastifyReply> {
  let out: Answer;
  try {
    out = dataAnswer(await work());
  } catch (error) {
    out = errorAnswer(reply, error);
  }
  return reply.status(out.status).type('application/json').send(out.body);
}

/** A result as Prometheus' API writes it: times as float seconds, values as strings (NaN, +Inf as text). */
export function resultJson(result: PromqlResult): string {
  const time = (ms: number): string => String(ms / 1000);
  const point = (t: number, v: number): string => `[${time(t)},"${formatFloat(v)}"]`;
  switch (result.resultType) {
    case 'scalar':
      return `{"resultType":"scalar","result":${point(result.result[0], result.result[1])}}`;
    case 'string':
      return `{"resultType":"string","result":[${time(result.result[0])},${JSON.stringify(result.result[1])}]}`;
    case 'vector':
      return `{"resultType":"vector","result":[${result.result
        .map((s) => `{"metric":${JSON.stringify(s.metric)},"value":${point(s.value[0], s.value[1])}}`)
        .join(',')}]}`;
    case 'matrix':
      return `{"resultType":"matrix","result":[${result.result
        .map(
          (s) =>
            `{"metric":${JSON.stringify(s.metric)},"values":[${s.values.map((p) => point(p[0], p[1])).join(',')}]}`,
        )
        .join(',')}]}`;
  }
}

function parseQuery(p: Params, engine: PromqlEngineApi): string {
  const query = single(p, 'query') ?? '';
  try {
    engine.validate(query);
  } catch (error) {
    if (error instanceof PromqlError) throw invalidParameter('query', error.message);
    throw error;
  }
  return query;
}

/** Aborted when the client goes away before its answer: the engine stops at its next step. */
function abortOnClose(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  // The response's close, not the request's: a request emits close as soon as its body is read.
  reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

function timeoutOf(p: Params, configuredMs: number): number {
  const raw = single(p, 'timeout');
  if (raw === undefined || raw === '') return configuredMs;
  const ms = parseDurationParam('timeout', raw);
  return ms > 0 ? Math.min(ms, configuredMs) : configuredMs;
}

/**
 * GET/POST /api/v1/query, /api/v1/query_range and /api/v1/format_query: Prometheus' HTTP API over the
 * service's PromQL engine, with Prometheus' envelopes, parameters and status codes, so Grafana's
 * Prometheus datasource and PromQL tools talk to the service as to a Prometheus.
 */
export function promqlRoutes(deps: {
  engine: PromqlEngineApi;
  timeoutMs: number;
  bodyLimitBytes?: number;
  clock?: () => number;
}): FastifyPluginAsyncTypebox {
  const now = deps.clock ?? Date.now;
  return (app) => {
    // Grafana posts its queries as forms; this parser is scoped to these routes.
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', ...(deps.bodyLimitBytes === undefined ? {} : { bodyLimit: deps.bodyLimitBytes }) },
      (_request, body, done) => {
        const out: Record<string, string | string[]> = {};
        for (const [key, value] of new URLSearchParams(body as string)) {
          const previous = out[key];
          out[key] =
            previous === undefined ? value : [...(Array.isArray(previous) ? previous : [previous]), value];
        }
        done(null, out);
      },
    );

    const instant = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      answer(reply, async () => {
        const p = params(request);
        const query = parseQuery(p, deps.engine);
        const time = single(p, 'time');
        const timeMs = time === undefined || time === '' ? now() : parseTimeParam('time', time);
        const result = await deps.engine.instantQuery(query, timeMs, {
          timeoutMs: timeoutOf(p, deps.timeoutMs),
          signal: abortOnClose(reply),
        });
        return resultJson(result);
      });

    const range = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      answer(reply, async () => {
        const p = params(request);
        const start = parseTimeParam('start', single(p, 'start'));
        const end = parseTimeParam('end', single(p, 'end'));
        if (end < start) throw invalidParameter('end', 'end timestamp must not be before start time');
        const step = parseDurationParam('step', single(p, 'step'));
        if (step <= 0) {
          throw invalidParameter(
            'step',
            'zero or negative query resolution step widths are not accepted. Try a positive integer',
          );
        }
        const query = parseQuery(p, deps.engine);
        const result = await deps.engine.rangeQuery(query, start, end, step, {
          timeoutMs: timeoutOf(p, deps.timeoutMs),
          signal: abortOnClose(reply),
        });
        return resultJson(result);
      });

    const format = (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> =>
      answer(reply, () => {
        const p = params(request);
        const query = single(p, 'query') ?? '';
        let text: string;
        try {
          text = prettyExpr(parsePromql(query));
        } catch (error) {
          if (error instanceof PromqlError) throw invalidParameter('query', error.message);
          throw error;
        }
        return JSON.stringify(text);
      });

    // Errors are documented in the descriptions only: a schema on 4xx would also apply to the problems
    // Fastify itself answers (an unparsable body), and fail to serialise them.
    const responses = { 200: Envelope };
    for (const method of ['GET', 'POST'] as const) {
      app.route({
        method,
        url: '/api/v1/query',
        schema: {
          tags: ['prometheus'],
          summary: 'PromQL instant query (Prometheus HTTP API)',
          querystring: InstantQuery,
          response: responses,
        },
        handler: instant,
      });
      app.route({
        method,
        url: '/api/v1/query_range',
        schema: {
          tags: ['prometheus'],
          summary: 'PromQL range query (Prometheus HTTP API)',
          querystring: RangeQuery,
          response: responses,
        },
        handler: range,
      });
      app.route({
        method,
        url: '/api/v1/format_query',
        schema: {
          tags: ['prometheus'],
          summary: 'A PromQL expression in its canonical form',
          querystring: FormatQuery,
          response: { 200: Envelope },
        },
        handler: format,
      });
    }
    return Promise.resolve();
  };
}
