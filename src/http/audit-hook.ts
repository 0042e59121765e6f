import type { FastifyInstance } from 'fastify';
import type { AuditLog } from '../auth/audit-log.js';
import { actorOf } from '../auth/principal.js';

const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** Body members that name what was changed; never secrets (the body itself is not recorded). */
const NAMING_FIELDS = ['name', 'id', 'service'];

function targetOf(params: unknown, body: unknown): string {
  const parts = Object.entries((params ?? {}) as Record<string, unknown>).map(
    ([k, v]) => `${k}=${String(v)}`,
  );
  if (typeof body === 'object' && body !== null)
    for (const field of NAMING_FIELDS) {
      const value = (body as Record<string, unknown>)[field];
      if (typeof value === 'string' && value.length <= 200) parts.push(`${field}=${value}`);
    }
  return parts.join(' ');
}

/**
 * Records every accepted change made through a `write` or `admin` route (and a password change) once its
 * answer is sent. Ingest is not a change of configuration and would drown the log.
 */
export function installAuditHook(app: FastifyInstance, audit: AuditLog): void {
  app.addHook('onResponse', async (request, reply) => {
    const access = request.routeOptions.config.access;
    const audited =
      access === 'write' || access === 'admin' || request.routeOptions.url === '/api/auth/password';
    if (!CHANGES.has(request.method) || !audited || reply.statusCode >= 400) return;
    try {
      await audit.record({
        at: Date.now(),
        actor: request.principal === undefined ? 'anonymous' : actorOf(request.principal),
        action: `${request.method} ${request.routeOptions.url ?? request.url}`,
        target: targetOf(request.params, request.body),
        status: reply.statusCode,
        ip: request.ip,
        requestId: request.id,
      });
    } catch (error) {
      request.log.error({ err: error }, 'audit log write failed');
    }
  });
}
