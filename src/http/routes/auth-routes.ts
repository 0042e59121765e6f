import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { apiTokenView } from '../../auth/api-tokens.js';
import { Authenticator } from '../../auth/authenticator.js';
import type { Auth } from '../../auth/create-auth.js';
import { actorOf } from '../../auth/principal.js';
import { userView } from '../../auth/user-directory.js';
import { DomainError } from '../../domain/errors.js';
import type { LoginLimiter } from '../hardening.js';
import { errorResponses } from '../problem.js';
import {
  AuditQuery,
  AuditSchema,
  CreatedTokenSchema,
  LoginBody,
  LoginResultSchema,
  MeSchema,
  PasswordChangeBody,
  RefreshBody,
  TokenInput,
  TokenSchema,
  UserInput,
  UserPatch,
  UserSchema,
} from './auth-schemas.js';

const tags = ['auth'];

/** Login, refresh, users, API tokens and the audit log (ADR 0007, docs/security.md). */
export function authRoutes(auth: Auth, loginLimit: LoginLimiter): FastifyPluginAsyncTypebox {
  return (app) => {
    app.post(
      '/api/auth/login',
      {
        schema: {
          tags,
          summary: 'Log in: a short-lived access token and a refresh token',
          body: LoginBody,
          response: { 200: LoginResultSchema, ...errorResponses(401, 413, 415, 422, 429) },
        },
      },
      async (request, reply) => {
        const limit = await loginLimit(request);
        if (!limit.allowed) {
          void reply.header('retry-after', String(limit.retryAfterSeconds));
          throw new DomainError('rate_limited', 429, 'too many logins from this address; retry later');
        }
        try {
          return await auth.sessions.login(request.body.username, request.body.password, request.body.code);
        } catch (error) {
          request.log.warn({ user: request.body.username, ip: request.ip }, 'login refused');
          throw error;
        }
      },
    );
    app.post(
      '/api/auth/refresh',
      {
        schema: {
          tags,
          summary: 'Trade a refresh token (once) for a new access token and refresh token',
          body: RefreshBody,
          response: { 200: LoginResultSchema, ...errorResponses(401, 413, 415, 422, 429) },
        },
      },
      (request) => auth.sessions.refresh(request.body.refreshToken),
    );
    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags,
          summary: 'Forget a refresh token',
          body: RefreshBody,
          response: { 204: Type.Null(), ...errorResponses(413, 415, 422, 429) },
        },
      },
      async (request, reply) => {
        await auth.sessions.logout(request.body.refreshToken);
        return reply.code(204).send(null);
      },
    );
    app.get(
      '/api/auth/me',
      {
        schema: {
          tags,
          summary:
            'Who this token is and what it may do; without a token, 200 with authenticated false (the page asks this on load, and a 401 would be a console error on every visit)',
          response: { 200: MeSchema, ...errorResponses(401) },
        },
      },
      async (request, reply) => {
        // Public, so the guard authenticated nothing (or set the anonymous principal with auth off):
        // a token that is sent is checked here, and a bad one is still a 401.
        let principal = request.principal;
        if (principal === undefined) {
          const credential = Authenticator.bearerOf(request.headers.authorization);
          if (credential === undefined) {
            void reply.header('cache-control', 'no-store');
            return { authenticated: false, kind: 'anonymous' as const, name: '', permissions: [] };
          }
          principal = await auth.authenticator.authenticate(credential);
        }
        return {
          authenticated: true,
          kind: principal.kind,
          name: principal.name,
          ...(principal.kind === 'user' ? { role: principal.role } : {}),
          ...(principal.kind === 'token' ? { scopes: [...principal.scopes] } : {}),
          permissions: [...principal.permissions],
          ...(principal.kind === 'user' && principal.enrolmentRequired === true
            ? { enrolmentRequired: true as const }
            : {}),
        };
      },
    );
    app.post(
      '/api/auth/password',
      {
        schema: {
          tags,
          summary: 'Change your own password (every earlier login of yours stops working)',
          body: PasswordChangeBody,
          response: { 204: Type.Null(), ...errorResponses(401, 403, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind !== 'user')
          throw new DomainError('insufficient_scope', 403, 'only a logged-in user has a password to change');
        const user = await auth.users.authenticate(principal.name, request.body.currentPassword);
        if (user === undefined)
          throw new DomainError('invalid_login', 401, 'the current password is wrong', 'currentPassword');
        await auth.users.update(principal.name, { password: request.body.newPassword });
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/auth/users',
      {
        schema: {
          tags,
          summary: 'Users',
          response: { 200: Type.Object({ users: Type.Array(UserSchema) }), ...errorResponses() },
        },
      },
      async () => ({ users: (await auth.users.list()).map(userView) }),
    );
    app.post(
      '/api/auth/users',
      {
        schema: {
          tags,
          summary: 'Create a user',
          body: UserInput,
          response: { 201: UserSchema, ...errorResponses(409, 413, 415, 422) },
        },
      },
      async (request, reply) => reply.status(201).send(userView(await auth.users.create(request.body))),
    );
    app.patch(
      '/api/auth/users/:name',
      {
        schema: {
          tags,
          summary: "Change a user's role or password (revokes their tokens and cuts their sockets)",
          params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
          body: UserPatch,
          response: { 200: UserSchema, ...errorResponses(404, 409, 413, 415, 422) },
        },
      },
      async (request) => userView(await auth.users.update(request.params.name, request.body)),
    );
    app.delete(
      '/api/auth/users/:name',
      {
        schema: {
          tags,
          summary: 'Delete a user',
          params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
          response: { 204: Type.Null(), ...errorResponses(404, 409) },
        },
      },
      async (request, reply) => {
        const user = await auth.users.byName(request.params.name);
        await auth.users.remove(request.params.name);
        await auth.secondFactor.reset(user.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/auth/tokens',
      {
        schema: {
          tags,
          summary: 'API tokens (never their secrets)',
          response: { 200: Type.Object({ tokens: Type.Array(TokenSchema) }), ...errorResponses() },
        },
      },
      async () => ({ tokens: (await auth.apiTokens.list()).map(apiTokenView) }),
    );
    app.post(
      '/api/auth/tokens',
      {
        schema: {
          tags,
          summary: 'Create a scoped API token; the secret is in this answer only',
          body: TokenInput,
          response: { 201: CreatedTokenSchema, ...errorResponses(413, 415, 422) },
        },
      },
      async (request, reply) => {
        const created = await auth.apiTokens.create({
          name: request.body.name,
          scopes: request.body.scopes,
          ...(request.body.expiresIn === undefined ? {} : { expiresInSeconds: request.body.expiresIn }),
          createdBy: actorOf(request.principal!),
        });
        return reply.status(201).send({ ...created.view, token: created.token });
      },
    );
    app.delete(
      '/api/auth/tokens/:id',
      {
        schema: {
          tags,
          summary: 'Revoke an API token (its live sockets are cut)',
          params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
          response: { 200: TokenSchema, ...errorResponses(404) },
        },
      },
      (request) => auth.apiTokens.revoke(request.params.id),
    );

    app.get(
      '/api/audit',
      {
        schema: {
          tags,
          summary: 'Who changed rules, services, channels, silences, alerts, users and tokens, newest first',
          querystring: AuditQuery,
          response: { 200: Type.Object({ entries: Type.Array(AuditSchema) }), ...errorResponses(422) },
        },
      },
      async (request) => {
        const { from, to, actor, action, target, limit } = request.query;
        return {
          entries: await auth.audit.list({
            ...(from === undefined ? {} : { from: Date.parse(from) }),
            ...(to === undefined ? {} : { to: Date.parse(to) }),
            ...(actor === undefined ? {} : { actor }),
            ...(action === undefined ? {} : { actionPrefix: action }),
            ...(target === undefined ? {} : { targetPart: target }),
            limit: limit ?? 100,
          }),
        };
      },
    );
    return Promise.resolve();
  };
}
