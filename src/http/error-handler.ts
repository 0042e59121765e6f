import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.js';
import { AllowedMethods } from './allowed-methods.js';
import { drainAfterAnswer, type BodyDrainLimits } from './body-drain.js';
import { problem, type Problem } from './problem.js';
import { recordRefusal } from './request-log.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

/**
 * Maps every error to application/problem+json in one place. Known errors keep their status and get a
 * stable code; anything unexpected becomes a generic 500 carrying the request id, and its stack trace
 * goes to the log only.
 */
export function installErrorHandling(app: FastifyInstance, drain: BodyDrainLimits): void {
  app.setErrorHandler((error: FastifyError | DomainError, request, reply) => {
    drainAfterAnswer(request, reply, drain);
    const body = toProblem(error);
    body.instance = request.url.split('?')[0];
    body.requestId = request.id;
    if (typeof body.retryAfter === 'number') void reply.header('retry-after', String(body.retryAfter));
    if (body.status >= 500) request.log.error({ err: error }, 'request failed');
    // A refusal is told on the request's one line (request-log.ts), not on a second one.
    else
      recordRefusal(request, {
        code: body.code,
        ...(body.field === undefined ? {} : { field: body.field }),
        detail: body.detail,
      });
    return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
  });

  // Called before any route is declared, so the hook sees every one of them.
  const allowed = new AllowedMethods();
  app.addHook('onRoute', (route) => {
    allowed.add(route);
  });
  app.setNotFoundHandler((request, reply) => {
    drainAfterAnswer(request, reply, drain);
    const path = request.url.split('?')[0]!;
    const methods = allowed.for(path);
    const body =
      methods.length > 0
        ? problem(405, 'method_not_allowed', `${path} answers ${methods.join(', ')}, not ${request.method}`)
        : problem(404, 'not_found', `no route ${request.method} ${path}`);
    body.instance = path;
    body.requestId = request.id;
    if (methods.length > 0) void reply.header('allow', methods.join(', '));
    return reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
  });
}

/**
 * Errors Fastify meets before any route runs (a URL that does not decode, a path parameter longer than
 * maxParamLength), in the same problem format as everything else.
 */
export function frameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const body =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? problem(414, 'uri_too_long', 'a path parameter is longer than 256 characters')
      : error.code === 'FST_ERR_BAD_URL'
        ? problem(
            400,
            'invalid_url',
            'the URL does not decode: a percent sign must start a valid UTF-8 escape',
          )
        : // FST_ERR_ASYNC_CONSTRAINT (no route uses one today): the route could not be chosen.
          problem(500, 'internal_error', 'the route for this request could not be chosen');
  body.instance = request.url.split('?')[0];
  body.requestId = request.id;
  void reply.status(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}

function toProblem(error: FastifyError | DomainError): Problem {
  if (error instanceof DomainError) {
    return { ...problem(error.status, error.code, error.message, error.field), ...error.extra };
  }
  const fe = error;
  if (fe.validation !== undefined && fe.validation.length > 0) {
    const first = fe.validation[0]!;
    // The property the error is about when Ajv names it in params: a required one, or a discriminator's tag.
    const params = first.params as { missingProperty?: string; tag?: string } | undefined;
    const missing = params?.missingProperty ?? params?.tag;
    const path = [fe.validationContext, ...first.instancePath.split('/').filter(Boolean), missing]
      .filter((part): part is string => part !== undefined && part !== '')
      .join('.');
    return problem(422, 'validation_failed', `${path || 'request'} ${first.message ?? 'is invalid'}`, path);
  }
  switch (fe.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(413, 'body_too_large', 'the request body is larger than BODY_LIMIT_BYTES allows');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(415, 'unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problem(400, 'invalid_json', 'the body is empty; send a JSON document');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problem(400, 'invalid_json', 'the Content-Length header does not match the body');
    default:
      break;
  }
  if (fe.statusCode === 400 && (fe.name === 'SyntaxError' || fe.code === 'FST_ERR_CTP_INVALID_JSON_BODY')) {
    return problem(400, 'invalid_json', `the body is not valid JSON: ${fe.message}`);
  }
  if (fe.statusCode !== undefined && fe.statusCode >= 400 && fe.statusCode < 500) {
    return problem(fe.statusCode, 'bad_request', fe.message);
  }
  return problem(
    500,
    'internal_error',
    'an unexpected error occurred; the request id identifies it in the logs',
  );
}
