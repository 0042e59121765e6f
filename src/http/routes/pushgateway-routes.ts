import { gunzipSync } from 'node:zlib';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { GroupingKeyError, parseGroupingKey } from '../../receivers/pushgateway/grouping-key.js';
import type { PushGroups } from '../../receivers/pushgateway/push-groups.js';
import { ExpositionError, parseExposition } from '../../receivers/pushgateway/text-format.js';
import { parseTtl } from '../../receivers/pushgateway/ttl.js';
import { errorResponses } from '../problem.js';
import { readRawBody } from '../raw-body.js';

export interface PushgatewayRouteDeps {
  groups: PushGroups;
  /** BODY_LIMIT_BYTES. */
  maxBodyBytes: number;
}

const DESCRIPTION =
  'The Pushgateway’s API: `/metrics/job/<job>{/<label>/<value>}` names a group (any name may end in `@base64` with a URL-safe base64 value, `=` for an empty one). PUT replaces the group’s metrics, POST replaces the pushed metrics of the same names, DELETE removes the group; each group has `push_time_seconds` and `push_failure_time_seconds`. Body: the Prometheus text format (`text/plain; version=0.0.4`); the protobuf delimited format is answered 415. Pushed series carry `job` and the grouping labels. A metric whose type or HELP differs from another group’s is refused with 400, as the Pushgateway does; so are timestamps. TTL: `?ttl=10m` or the `Push-TTL` header (seconds or a duration; default PUSH_GROUP_TTL, 0 = forever) deletes the group and its series that long after its last push.';

const JobParams = Type.Object({
  job: Type.String({
    minLength: 1,
    description: 'The job label of the group.',
    examples: ['nightly_backup'],
  }),
});
const TtlQuery = Type.Object({
  ttl: Type.Optional(
    Type.String({ description: 'Seconds or a duration (10m, 1h30m); 0 keeps the group.', examples: ['10m'] }),
  ),
});

/** PUT / POST / DELETE /metrics/job/… (ADR 0016). */
export function pushgatewayRoutes(deps: PushgatewayRouteDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    app.addHook('onClose', () => deps.groups.stop());
    deps.groups.start();
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (request, payload, done) => {
      readRawBody(request.headers, payload, deps.maxBodyBytes, 'BODY_LIMIT_BYTES').then(
        (body) => {
          done(null, body);
        },
        (error: unknown) => {
          done(error as Error);
        },
      );
    });

    /** Does what the request asks; the status to answer: 202 for a delete, 200 for a push. */
    const handle = async (request: FastifyRequest): Promise<200 | 202> => {
      const key = groupingKeyOf(request.url);
      if (request.method === 'DELETE') {
        await deps.groups.delete(key);
        return 202;
      }
      const ttl = ttlOf(request);
      const families = expositionOf(request, deps.maxBodyBytes);
      await deps.groups.push(key, families, request.method === 'PUT' ? 'group' : 'same-names', ttl);
      return 200;
    };

    // curl -u job:<token>, as scripts behind an authenticating Pushgateway proxy do: the token as password.
    const config = { basicAuth: true };
    const documented = {
      tags: ['metrics'],
      description: DESCRIPTION,
      params: JobParams,
      querystring: TtlQuery,
    };
    app.route({
      method: 'PUT',
      url: '/metrics/job/:job',
      config,
      schema: {
        ...documented,
        summary: 'Push a group of metrics, replacing the group (Pushgateway)',
        response: { 200: Type.Null(), ...errorResponses(413, 415, 503) },
      },
      handler: async (request, reply) => reply.status(200).send(await handle(request).then(() => null)),
    });
    app.route({
      method: 'POST',
      url: '/metrics/job/:job',
      config,
      schema: {
        ...documented,
        summary: 'Push metrics into a group, replacing those of the same names (Pushgateway)',
        response: { 200: Type.Null(), ...errorResponses(413, 415, 503) },
      },
      handler: async (request, reply) => reply.status(200).send(await handle(request).then(() => null)),
    });
    app.route({
      method: 'DELETE',
      url: '/metrics/job/:job',
      config,
      schema: {
        tags: ['metrics'],
        description: DESCRIPTION,
        params: JobParams,
        summary: 'Delete a group and its series (Pushgateway)',
        response: { 202: Type.Null(), ...errorResponses(503) },
      },
      handler: async (request, reply) => reply.status(202).send(await handle(request).then(() => null)),
    });
    // The same, with grouping labels and base64 segments: one handler reads the whole path.
    for (const url of ['/metrics/job/:job/*', '/metrics/job@base64/:job', '/metrics/job@base64/:job/*']) {
      app.route({
        method: ['PUT', 'POST', 'DELETE'],
        url,
        config,
        schema: {
          hide: true,
          response: { 200: Type.Null(), 202: Type.Null(), ...errorResponses(413, 415, 503) },
        },
        handler: async (request, reply) => {
          const status = await handle(request);
          return reply.status(status).send(null);
        },
      });
    }
    return Promise.resolve();
  };
}

function groupingKeyOf(url: string): Record<string, string> {
  const path = url.split('?')[0]!.slice('/metrics/'.length).replace(/\/$/, '');
  try {
    return parseGroupingKey(path);
  } catch (error) {
    if (error instanceof GroupingKeyError)
      throw new DomainError('invalid_grouping_key', 400, error.message, 'path');
    throw error;
  }
}

function ttlOf(request: FastifyRequest): number | undefined {
  const query = (request.query as { ttl?: unknown }).ttl;
  const header = request.headers['push-ttl'];
  const text = typeof query === 'string' ? query : typeof header === 'string' ? header : undefined;
  if (text === undefined) return undefined;
  const ttl = parseTtl(text);
  if (typeof ttl === 'string') throw new DomainError('validation_failed', 400, ttl, 'ttl');
  return ttl;
}

function expositionOf(request: FastifyRequest, maxBytes: number) {
  const contentType = request.headers['content-type'] ?? '';
  if (contentType.toLowerCase().startsWith('application/vnd.google.protobuf')) {
    throw new DomainError(
      'unsupported_media_type',
      415,
      'the protobuf delimited format is not taken here: push the text format (text/plain; version=0.0.4), as prom-client, curl and the Go client’s push package with expfmt.FmtText do',
      'content-type',
    );
  }
  const raw = request.body instanceof Uint8Array ? Buffer.from(request.body) : Buffer.alloc(0);
  const body = bodyText(raw, request.headers['content-encoding'], maxBytes);
  try {
    return parseExposition(body);
  } catch (error) {
    if (error instanceof ExpositionError) {
      throw new DomainError(
        'invalid_exposition',
        400,
        `the body is not the text exposition format: ${error.message}`,
        'body',
      );
    }
    throw error;
  }
}

/** The body as text; gzip (prom-client's `Content-Encoding: gzip` option) inflated within the body limit. */
function bodyText(raw: Buffer, encoding: string | undefined, maxBytes: number): string {
  const coding = encoding?.trim().toLowerCase() ?? '';
  if (coding === '' || coding === 'identity') return raw.toString('utf8');
  if (coding !== 'gzip') {
    throw new DomainError(
      'unsupported_media_type',
      415,
      `content encoding "${coding}" is not supported: gzip or none`,
      'content-encoding',
    );
  }
  try {
    return gunzipSync(raw, { maxOutputLength: maxBytes }).toString('utf8');
  } catch (error) {
    const tooLarge = (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE';
    throw tooLarge
      ? new DomainError(
          'body_too_large',
          413,
          `the body inflates past BODY_LIMIT_BYTES (${String(maxBytes)} bytes)`,
        )
      : new DomainError('invalid_exposition', 400, 'the body is not valid gzip data', 'body');
  }
}
