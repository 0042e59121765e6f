import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { addExamples } from './openapi-examples.js';
import { requiresNothing } from './optional-body.js';
import { ProblemSchema } from './problem.js';

interface DocumentedOperation {
  requestBody?: { required?: boolean; content?: Record<string, { schema?: unknown }> };
}

/**
 * @fastify/swagger marks every request body required; a body that requires nothing may be left out
 * (http/optional-body.ts), and Swagger UI should not insist on one.
 */
function markOptionalBodies<T extends { paths?: unknown }>(document: T): T {
  const paths = (document.paths ?? {}) as Record<string, Record<string, DocumentedOperation>>;
  for (const operations of Object.values(paths))
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody;
      if (body !== undefined && requiresNothing(body.content?.['application/json']?.schema))
        body.required = false;
    }
  return document;
}

/**
 * OpenAPI 3 generated from the route schemas (the same schemas validate requests and serialise answers),
 * Swagger UI at /api-docs and the document at /api-docs/json.
 */
export async function registerOpenApi(app: FastifyInstance, version: string): Promise<void> {
  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'metrics-service',
        description:
          'Metrics ingest, storage and queries, Prometheus exposition, health checks and alerting for Node.js teams.',
        version,
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'A login token (POST /api/auth/login) or an API token (mst_…).',
          },
        },
      },
      tags: [
        { name: 'auth', description: 'Login, users, API tokens and the audit log' },
        { name: 'metrics', description: 'Ingest and query metrics' },
        { name: 'prometheus', description: 'Prometheus exposition' },
        { name: 'service', description: 'Liveness and readiness' },
      ],
    },
    transformObject: (document) => {
      if (!('openapiObject' in document)) return document.swaggerObject;
      addExamples((document.openapiObject.paths ?? {}) as Parameters<typeof addExamples>[0]);
      return markOptionalBodies(document.openapiObject);
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) => (json.$id as string | undefined) ?? `def-${i}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api-docs',
    // Swagger UI's own CSP (it needs inline styles), without upgrade-insecure-requests on plain HTTP.
    staticCSP: true,
    transformStaticCSP: (header) => header.replace(/\s*upgrade-insecure-requests;?/, ''),
  });
}
