import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type, type TSchema } from '@sinclair/typebox';
import {
  listLabelNames,
  listLabelValues,
  listMetadata,
  listSeries,
  type Listed,
} from '../../promapi/listing.js';
import { PromApiError } from '../../promapi/prom-api-error.js';
import type { PromParams } from '../../promapi/prom-params.js';
import type { PromRulesView } from '../../promapi/rules-view.js';
import type { SeriesIndex } from '../../promapi/series-index.js';

/** The Prometheus release whose HTTP API this one follows; Grafana enables features by it. */
export const PROMETHEUS_API_VERSION = '2.42.0';

export interface PromApiDeps {
  index: SeriesIndex;
  rules: PromRulesView;
  version: string;
}

const Envelope = Type.Object(
  {
    status: Type.Literal('success'),
    data: Type.Any(),
    warnings: Type.Optional(Type.Array(Type.String())),
  },
  { description: "Prometheus' envelope: `{status, data, warnings?}`." },
);
const FORM = 'application/x-www-form-urlencoded';

const matchParam = Type.Optional(
  Type.Array(Type.String({ maxLength: 4096 }), {
    maxItems: 100,
    description: 'Series selectors (`up`, `{job="api"}`); a series matching any is listed.',
    examples: [['{__name__=~".+"}']],
  }),
);
const timeParam = (description: string) =>
  Type.Optional(Type.String({ maxLength: 64, description: `${description}: RFC 3339 or unix seconds.` }));
const limitParam = Type.Optional(
  Type.String({
    maxLength: 20,
    description: 'At most this many results (0: no limit); a warning says when cut.',
  }),
);
const SelectionQuery = Type.Object(
  {
    'match[]': matchParam,
    start: timeParam('Series with a sample at or after this time'),
    end: timeParam('Up to this time'),
    limit: limitParam,
  },
  { additionalProperties: true },
);

/**
 * The form body Grafana posts (`match[]=…&start=…`): repeated keys become lists, as Go's ParseForm
 * makes them. Only on these routes (Fastify encapsulates parsers by plugin).
 */
function parseForm(
  _request: FastifyRequest,
  body: string,
  done: (err: Error | null, body?: unknown) => void,
) {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const existing = out[key];
    out[key] =
      existing === undefined ? value : [...(typeof existing === 'string' ? [existing] : existing), value];
  }
  done(null, out);
}

/** URL parameters and form values together, as Prometheus reads them (Go's `r.Form`). */
function paramsOf(request: FastifyRequest): PromParams {
  const query = (request.query ?? {}) as Record<string, string | string[]>;
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<
    string,
    string | string[]
  >;
  const merged: Record<string, string[]> = {};
  for (const source of [body, query])
    for (const [key, value] of Object.entries(source))
      // A JSON body may hold anything: strings (or lists of them) are parameters, numbers and booleans
      // their text; anything else (objects, nested lists, however deep) is no parameter Prometheus knows.
      (merged[key] ??= []).push(
        ...(Array.isArray(value) ? value : [value]).flatMap((v: unknown) =>
          typeof v === 'string'
            ? [v]
            : typeof v === 'number' || typeof v === 'boolean'
              ? [String(v)]
              : ['<invalid>'],
        ),
      );
  return merged;
}

function answer<T>(reply: FastifyReply, run: () => Listed<T> | T, listed = true) {
  try {
    const result = run();
    if (!listed) return { status: 'success' as const, data: result };
    const { data, warnings } = result as Listed<T>;
    return { status: 'success' as const, data, ...(warnings.length > 0 ? { warnings } : {}) };
  } catch (error) {
    if (!(error instanceof PromApiError)) throw error;
    return reply
      .code(error.statusCode)
      .send({ status: 'error', errorType: error.errorType, error: error.message });
  }
}

/**
 * The Prometheus HTTP API's listings and status (`/api/v1/series`, `labels`, `label/<name>/values`,
 * `metadata`, `status/buildinfo`, `rules`, `alerts`) over the service's own store, in Prometheus'
 * envelopes, GET and POST form bodies as Grafana sends them. `query`/`query_range` are the PromQL
 * engine's routes.
 */
export function promApiRoutes(deps: PromApiDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    app.addContentTypeParser(FORM, { parseAs: 'string', bodyLimit: 1_048_576 }, parseForm);
    const tags = ['prometheus'];
    // 400 takes any JSON: Prometheus' error envelope from the handlers, and the problem documents of
    // schema and framework refusals (a strict envelope schema failed to serialize those: a 500).
    const responses = (data: TSchema = Envelope) => ({
      200: data,
      400: Type.Unknown({
        description: "Prometheus' error envelope {status: 'error', errorType, error} (bad_data)",
      }),
    });
    const getAndPost = (
      url: string,
      summary: string,
      handler: (params: PromParams) => Listed<unknown>,
      querystring: TSchema = SelectionQuery,
    ) => {
      for (const method of ['GET', 'POST'] as const)
        app.route({
          method,
          url,
          schema: {
            tags,
            summary: method === 'GET' ? summary : `${summary} (form body, as Grafana posts it)`,
            querystring,
            ...(method === 'POST' ? { consumes: [FORM] } : {}),
            response: responses(),
          },
          handler: (request, reply) => answer(reply, () => handler(paramsOf(request))),
        });
    };

    getAndPost('/api/v1/series', 'Series matching selectors (`match[]` required)', (p) =>
      listSeries(deps.index, p),
    );
    getAndPost('/api/v1/labels', 'Label names, of the series matching `match[]` if given', (p) =>
      listLabelNames(deps.index, p),
    );
    app.get(
      '/api/v1/label/:name/values',
      {
        schema: {
          tags,
          summary:
            'Values of a label (`__name__`: every metric name), of the series matching `match[]` if given',
          params: Type.Object({ name: Type.String({ maxLength: 256, examples: ['__name__'] }) }),
          querystring: SelectionQuery,
          response: responses(),
        },
      },
      (request, reply) =>
        answer(reply, () => listLabelValues(deps.index, request.params.name, paramsOf(request))),
    );
    app.get(
      '/api/v1/metadata',
      {
        schema: {
          tags,
          summary: 'Type, help and unit per metric family',
          querystring: Type.Object(
            {
              metric: Type.Optional(Type.String({ maxLength: 256 })),
              limit: limitParam,
              limit_per_metric: limitParam,
            },
            { additionalProperties: true },
          ),
          response: responses(),
        },
      },
      (request, reply) => answer(reply, () => listMetadata(deps.index, paramsOf(request)), false),
    );
    app.get(
      '/api/v1/status/buildinfo',
      {
        schema: {
          tags,
          summary: "Build information in Prometheus' shape (the API level it follows: Prometheus 2.42)",
          response: responses(),
        },
      },
      () => ({
        status: 'success' as const,
        data: {
          version: PROMETHEUS_API_VERSION,
          revision: `metrics-service ${deps.version}`,
          branch: 'metrics-service',
          buildUser: 'metrics-service',
          buildDate: '',
          goVersion: `node ${process.versions.node}`,
        },
      }),
    );
    app.get(
      '/api/v1/rules',
      {
        schema: {
          tags,
          summary:
            "Rule groups in Prometheus' shape: the service's own rules and loaded Prometheus rule files",
          querystring: Type.Object(
            {
              type: Type.Optional(Type.Union([Type.Literal('alert'), Type.Literal('record')])),
              'rule_name[]': Type.Optional(Type.Array(Type.String({ maxLength: 256 }))),
              'rule_group[]': Type.Optional(Type.Array(Type.String({ maxLength: 256 }))),
            },
            { additionalProperties: true },
          ),
          response: responses(),
        },
      },
      (request, reply) =>
        answer(
          reply,
          () => {
            const q = request.query;
            return {
              groups: deps.rules.groups({
                type: q.type,
                names: q['rule_name[]'],
                groups: q['rule_group[]'],
              }),
            };
          },
          false,
        ),
    );
    app.get(
      '/api/v1/alerts',
      {
        schema: {
          tags,
          summary: "Active (pending and firing) alerts in Prometheus' shape",
          response: responses(),
        },
      },
      () => ({ status: 'success' as const, data: { alerts: deps.rules.alerts() } }),
    );
    return Promise.resolve();
  };
}
