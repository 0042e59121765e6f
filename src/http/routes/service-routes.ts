import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import { errorResponses } from '../problem.js';

export interface ServiceRouteDeps {
  /**
   * Resolves when every dependency the service needs (the store, Redis when configured) answers: each
   * `ok`, plus, scaled out, `role` (primary or follower).
   */
  checkReady: () => Promise<Record<string, string>>;
  startedAt: number;
  version: string;
}

const HealthSchema = Type.Object({
  status: Type.Literal('ok'),
  uptimeSeconds: Type.Number(),
  version: Type.String(),
});

const ReadySchema = Type.Object({
  status: Type.Literal('ready'),
  checks: Type.Record(Type.String(), Type.String()),
});

/** Liveness (/health: the process answers) and readiness (/ready: its dependencies answer too). */
export function serviceRoutes(deps: ServiceRouteDeps): FastifyPluginAsyncTypebox {
  return (app) => {
    app.get(
      '/health',
      {
        schema: {
          tags: ['service'],
          summary: 'Liveness: the process is up',
          response: { 200: HealthSchema },
        },
      },
      () => ({
        status: 'ok' as const,
        uptimeSeconds: (Date.now() - deps.startedAt) / 1000,
        version: deps.version,
      }),
    );
    app.get(
      '/ready',
      {
        schema: {
          tags: ['service'],
          summary: 'Readiness: the store (and Redis when configured) answer',
          response: { 200: ReadySchema, ...errorResponses(503) },
        },
      },
      async () => {
        try {
          return { status: 'ready' as const, checks: await deps.checkReady() };
        } catch (error) {
          throw new DomainError(
            'not_ready',
            503,
            `a dependency does not answer: ${(error as Error).message}`,
          );
        }
      },
    );
    return Promise.resolve();
  };
}
