import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Auth } from '../../auth/create-auth.js';
import type { Principal } from '../../auth/principal.js';
import { DomainError } from '../../domain/errors.js';
import { errorResponses } from '../problem.js';
import {
  CodeBody,
  ConfirmedSchema,
  EnrolBody,
  EnrolmentSchema,
  RecoveryCodesSchema,
  TwoFactorStatusSchema,
} from './two-factor-schemas.js';

const tags = ['auth'];

type UserPrincipal = Extract<Principal, { kind: 'user' }>;

function personOf(principal: Principal | undefined): UserPrincipal {
  if (principal?.kind !== 'user')
    throw new DomainError(
      'insufficient_scope',
      403,
      'two-factor authentication belongs to people: log in as a user (API tokens have none)',
    );
  return principal;
}

/** TOTP two-factor authentication of the logged-in person, and an admin's reset (ADR 0025). */
export function twoFactorRoutes(auth: Auth): FastifyPluginAsyncTypebox {
  const { secondFactor, users, sessions } = auth;

  /** A sensitive change asks for the password again: a stolen session alone cannot enrol its own device. */
  const reauthenticate = async (person: UserPrincipal, password: string): Promise<void> => {
    if ((await users.authenticate(person.name, password)) === undefined)
      throw new DomainError('invalid_login', 401, 'the password is wrong', 'password');
  };

  return (app) => {
    app.get(
      '/api/auth/2fa',
      {
        schema: {
          tags,
          summary: 'Your two-factor authentication: on or not, recovery codes left, required by your role',
          response: { 200: TwoFactorStatusSchema, ...errorResponses(403) },
        },
      },
      async (request) => {
        const person = personOf(request.principal);
        return secondFactor.status({ id: person.userId, role: person.role });
      },
    );

    app.post(
      '/api/auth/2fa/totp',
      {
        schema: {
          tags,
          summary:
            'Begin enrolling an authenticator app: a secret and its QR code (confirm with a first code)',
          body: EnrolBody,
          response: { 201: EnrolmentSchema, ...errorResponses(401, 403, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const person = personOf(request.principal);
        await reauthenticate(person, request.body.password);
        const enrolment = await secondFactor.enrol({ id: person.userId, name: person.name });
        void reply.code(201).header('cache-control', 'no-store');
        return enrolment;
      },
    );

    app.post(
      '/api/auth/2fa/totp/confirm',
      {
        schema: {
          tags,
          summary:
            'Confirm the enrolment with the code the app shows: turns it on, answers ten recovery codes (once) and a new session (every earlier one ends)',
          body: CodeBody,
          response: { 200: ConfirmedSchema, ...errorResponses(403, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const person = personOf(request.principal);
        const recoveryCodes = await secondFactor.confirm(person.userId, request.body.code);
        // Sessions opened without the second factor end here; the caller continues with the new one.
        const user = await users.update(person.name, {});
        void reply.header('cache-control', 'no-store');
        return { recoveryCodes, session: await sessions.reissue(user) };
      },
    );

    app.post(
      '/api/auth/2fa/recovery-codes',
      {
        schema: {
          tags,
          summary: 'New recovery codes (the earlier ones stop working), against a current code',
          body: CodeBody,
          response: { 200: RecoveryCodesSchema, ...errorResponses(403, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const person = personOf(request.principal);
        void reply.header('cache-control', 'no-store');
        return {
          recoveryCodes: await secondFactor.regenerateRecoveryCodes(person.userId, request.body.code),
        };
      },
    );

    app.post(
      '/api/auth/2fa/totp/disable',
      {
        schema: {
          tags,
          summary:
            'Turn two-factor authentication off, against a current code (not where your role requires it)',
          body: CodeBody,
          response: { 204: Type.Null(), ...errorResponses(403, 409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        const person = personOf(request.principal);
        await secondFactor.disable({ id: person.userId, role: person.role }, request.body.code);
        return reply.code(204).send(null);
      },
    );

    app.delete(
      '/api/auth/users/:name/2fa',
      {
        schema: {
          tags,
          summary:
            "Reset a person's two-factor authentication (a lost device): their sessions end, they enrol again",
          params: Type.Object({ name: Type.String({ maxLength: 64 }) }),
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const user = await users.byName(request.params.name);
        await secondFactor.reset(user.id);
        await users.update(user.name, {});
        return reply.code(204).send(null);
      },
    );
    return Promise.resolve();
  };
}
