import { Type, type Static } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import type { Health } from '../../health/create-health.js';
import { PushTokens, type MetaStore } from '../../health/push-tokens.js';
import { PushRateLimit } from '../../health/push-rate-limit.js';
import { errorResponses } from '../problem.js';

export interface PushRouteDeps {
  health: Health;
  /** Where token hashes are kept (the alert store's key/value facts). */
  store: MetaStore;
  /** HEALTH_PUSH_MAX_PER_MINUTE. */
  maxPerMinute: number;
}

const tags = ['health'];
const Beat = Type.Object(
  {
    status: Type.Optional(
      Type.Union([Type.Literal('up'), Type.Literal('down')], { description: 'Default up.' }),
    ),
    msg: Type.Optional(Type.String({ maxLength: 256, description: 'Why (shown as the reason when down).' })),
    ping: Type.Optional(
      Type.Number({ minimum: 0, maximum: 86_400_000, description: 'How long the job took, ms (a series).' }),
    ),
  },
  { additionalProperties: false },
);
type BeatInput = Static<typeof Beat>;
const TokenParams = Type.Object({
  token: Type.String({
    maxLength: 100,
    description:
      'Secret: the push monitor’s token (`hb_…`), the only credential of this route. Shown once when the monitor is created (or the token rotated); only its hash is stored; request logs show `/api/push/***`.',
  }),
});
const NameParams = Type.Object({ name: Type.String({ maxLength: 128 }) });
const Accepted = Type.Object({ ok: Type.Literal(true), service: Type.String(), state: Type.String() });

/**
 * Push (heartbeat) monitors: `GET`/`POST /api/push/<token>?status=up|down&msg=&ping=` from cron jobs and
 * batch workers — the token is the credential (no other auth), looked up by its SHA-256, each monitor
 * limited to HEALTH_PUSH_MAX_PER_MINUTE; the token comes with the monitor's create response, and
 * `POST /api/health/services/<name>/push-token` rotates it (the new one shown once).
 */
export function pushRoutes(deps: PushRouteDeps): FastifyPluginAsyncTypebox {
  const { checker, pushHeartbeats: heartbeats } = deps.health;
  const tokens = new PushTokens(deps.store);
  const limit = new PushRateLimit(deps.maxPerMinute);

  const beat = async (token: string, input: BeatInput) => {
    const owner = await tokens.find(token);
    const service = owner === undefined ? undefined : checker.find(owner.service);
    if (owner === undefined || service?.createdAt !== owner.createdAt || service.definition.type !== 'push')
      throw new DomainError(
        'not_found',
        404,
        'no push monitor has this token (deleted, or the token rotated)',
        'token',
      );
    const name = service.definition.name;
    if (!limit.take(name, Date.now()))
      throw new DomainError(
        'rate_limited',
        429,
        `more than ${String(deps.maxPerMinute)} heartbeats a minute for "${name}" (HEALTH_PUSH_MAX_PER_MINUTE)`,
      );
    const changes = await heartbeats.record(name, {
      at: Date.now(),
      status: input.status ?? 'up',
      message: input.msg ?? '',
      ...(input.ping === undefined ? {} : { pingMs: input.ping }),
    });
    if (changes) await checker.checkNow(name);
    return { ok: true as const, service: name, state: service.tracker.state };
  };

  // The token is a credential: the request line in the log shows it redacted (routing has read it).
  const redact = (request: FastifyRequest, _reply: FastifyReply, done: () => void): void => {
    request.raw.url = '/api/push/***';
    done();
  };

  return (app) => {
    app.get(
      '/api/push/:token',
      {
        schema: {
          tags,
          summary: 'A heartbeat of a push monitor (the token is the credential)',
          params: TokenParams,
          querystring: Beat,
          response: { 200: Accepted, ...errorResponses(404, 422, 429) },
        },
        preHandler: redact,
      },
      (request) => beat(request.params.token, request.query),
    );

    app.post(
      '/api/push/:token',
      {
        schema: {
          tags,
          summary: 'A heartbeat of a push monitor: the same as GET; fields in the query or a JSON body',
          params: TokenParams,
          querystring: Beat,
          body: Type.Optional(Beat),
          response: { 200: Accepted, ...errorResponses(404, 415, 422, 429) },
        },
        preHandler: redact,
      },
      (request) => beat(request.params.token, { ...request.query, ...request.body }),
    );

    // Issuing or rotating a token: behind the write permission, like editing the monitor.
    app.post(
      '/api/health/services/:name/push-token',
      {
        schema: {
          tags,
          summary:
            'Rotate a push monitor’s token (the previous one stops working); the new one is shown once',
          params: NameParams,
          response: {
            201: Type.Object({ token: Type.String(), path: Type.String() }),
            ...errorResponses(404, 422),
          },
        },
      },
      async (request, reply) => {
        const service = deps.health.checker.get(request.params.name);
        if (service.definition.type !== 'push')
          throw new DomainError(
            'invalid_service',
            422,
            `"${service.definition.name}" is not a push monitor`,
            'name',
          );
        const token = await tokens.issue({ service: service.definition.name, createdAt: service.createdAt });
        void reply.code(201).header('cache-control', 'no-store');
        return { token, path: `/api/push/${token}` };
      },
    );
    return Promise.resolve();
  };
}
