import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../auth/create-auth.js';
import { Authenticator } from '../auth/authenticator.js';
import { allPermissions, type Access } from '../auth/permissions.js';
import type { Principal } from '../auth/principal.js';
import { DomainError } from '../domain/errors.js';
import { errorResponses } from './problem.js';
import { accessOf } from './route-access.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Set for every route by installGuard from src/http/route-access.ts. */
    access?: Access;
    /** The route also takes the token as the password of HTTP basic auth (senders that only do that). */
    basicAuth?: boolean;
  }
  interface FastifyRequest {
    /** Who the request acts as; undefined on public routes. */
    principal: Principal | undefined;
  }
}

const ANONYMOUS: Principal = { kind: 'anonymous', name: 'anonymous', permissions: allPermissions() };

export interface GuardOptions {
  auth: Auth;
  metricsAuth: boolean;
  maxUrlLength: number;
  /** The rate limiter, run after authentication so it can count per token (per address without one). */
  rateLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
}

/**
 * Deny by default. Every route gets its access from the route table when it is declared (a route missing
 * there throws, so the app does not start); every request is then authenticated (bearer JWT or API
 * token), rate-limited, and refused with 401 (no or bad credential, with WWW-Authenticate) or 403 (a valid
 * one without the permission). A failed authentication is still counted by the rate limiter, per address.
 */
export function installGuard(app: FastifyInstance, options: GuardOptions): void {
  const { auth, metricsAuth, maxUrlLength, rateLimit } = options;
  app.decorateRequest('principal', undefined);

  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const accesses = new Set(methods.map((method) => accessOf(method, route.url, metricsAuth)));
    const [access] = accesses;
    if (access === undefined || accesses.size !== 1)
      throw new Error(
        `route ${methods.join(',')} ${route.url} has no access rule in src/http/route-access.ts`,
      );
    route.config = { ...route.config, access };
    // The OpenAPI document says which routes need a token and what a refusal looks like.
    if (route.schema !== undefined && access !== 'public' && auth.enabled) {
      route.schema.security = [{ bearerAuth: [] }];
      route.schema.response = {
        ...errorResponses(401, 403, 429),
        ...(route.schema.response as object | undefined),
      };
    }
  });

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.length > maxUrlLength)
      throw new DomainError(
        'uri_too_long',
        414,
        `the URL is longer than MAX_URL_LENGTH (${String(maxUrlLength)})`,
      );
    const access = request.routeOptions.config.access;
    let failure: DomainError | undefined;
    if (!auth.enabled) request.principal = ANONYMOUS;
    else if (access !== undefined && access !== 'public') {
      try {
        const credential =
          request.routeOptions.config.basicAuth === true
            ? Authenticator.bearerOrBasicOf(request.headers.authorization)
            : Authenticator.bearerOf(request.headers.authorization);
        if (credential === undefined)
          failure = new DomainError(
            'authentication_required',
            401,
            'this route needs a token: Authorization: Bearer <token> (POST /api/auth/login, or an API token)',
          );
        else request.principal = await auth.authenticator.authenticate(credential);
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        failure = error;
      }
    }
    await rateLimit(request, reply);
    if (failure !== undefined) {
      const error = failure.code === 'authentication_required' ? '' : ', error="invalid_token"';
      void reply.header('www-authenticate', `Bearer realm="metrics-service"${error}`);
      throw failure;
    }
    const principal = request.principal;
    if (principal === undefined || access === 'authenticated' || access === 'public' || access === undefined)
      return;
    if (principal.kind === 'user' && principal.enrolmentRequired === true)
      throw new DomainError(
        'totp_enrolment_required',
        403,
        `the ${principal.role} role requires two-factor authentication: enrol an authenticator app first (POST /api/auth/2fa/totp, then /api/auth/2fa/totp/confirm)`,
      );
    if (!principal.permissions.has(access))
      throw new DomainError(
        'insufficient_scope',
        403,
        `this route needs the ${access} permission, which ${principal.name} does not have`,
      );
  });
}
