import { createHash } from 'node:crypto';
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../../domain/errors.js';
import { HOUR_MS } from '../../health/rollup.js';
import type { Services } from '../../services.js';
import { badgeSvg, colorOfState, colorOfUptime } from '../../status/badge.js';
import { publicStatus } from '../../status/public-view.js';
import { incidentsAtom, statusHtml } from '../../status/status-html.js';
import { errorResponses } from '../problem.js';
import { PublicStatusSchema } from './status-schemas.js';

const tags = ['status pages'];
const Slug = Type.Object({ slug: Type.String({ maxLength: 64 }) });
const WINDOWS: Record<string, number> = {
  '24h': 24,
  '7d': 24 * 7,
  '30d': 24 * 30,
  '90d': 24 * 90,
  '365d': 24 * 365,
};

/**
 * Sends a public body with a strong ETag and a short shared cache: a page linked from a busy incident
 * answers 304 to the many who already have it, and any proxy may hold it 30 s. The guard's rate limit
 * applies to these routes as to every other (per address).
 */
function cached(request: FastifyRequest, reply: FastifyReply, type: string, body: string): FastifyReply {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  void reply.header('etag', etag).header('cache-control', 'public, max-age=30');
  if (request.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(type).send(body);
}

/** Public status pages (HTML, JSON, Atom) and badges: no login, nothing internal (ADR 0018). */
export function statusPublicRoutes(services: Services): FastifyPluginAsyncTypebox {
  const book = services.status;
  /** A badge is public only for a service shown on some status page: others do not exist, publicly. */
  const publicService = (name: string) => {
    const service = services.health.checker.list().find((s) => s.definition.name === name);
    if (service === undefined || book.pagesShowing(name).length === 0)
      throw new DomainError('badge_not_found', 404, `no public service "${name}"`, 'service');
    return service;
  };
  return (app) => {
    app.get(
      '/api/status/:slug',
      {
        schema: {
          tags,
          summary: 'A public status page as JSON (no login; public names and states only; ETag)',
          params: Slug,
          response: { 200: PublicStatusSchema, ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const body = JSON.stringify(await publicStatus(services, book.page(request.params.slug)));
        return cached(request, reply, 'application/json; charset=utf-8', body);
      },
    );
    app.get(
      '/status/:slug',
      {
        schema: {
          tags,
          summary: 'A public status page (HTML, no script, refreshes every minute)',
          params: Slug,
          response: { 200: Type.String({ description: 'The page.' }), ...errorResponses(404) },
        },
      },
      async (request, reply) =>
        cached(
          request,
          reply,
          'text/html; charset=utf-8',
          statusHtml(await publicStatus(services, book.page(request.params.slug))),
        ),
    );
    app.get(
      '/status/:slug/feed.atom',
      {
        schema: {
          tags,
          summary: "An Atom feed of a status page's incidents",
          params: Slug,
          response: { 200: Type.String({ description: 'Atom 1.0.' }), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        const status = await publicStatus(services, book.page(request.params.slug));
        const origin = `${request.protocol}://${request.host}`;
        return cached(request, reply, 'application/atom+xml; charset=utf-8', incidentsAtom(status, origin));
      },
    );
    const Service = Type.Object({ service: Type.String({ maxLength: 128 }) });
    app.get(
      '/badge/:service/status',
      {
        schema: {
          tags,
          summary: 'An SVG badge of a public service state (services on a status page only)',
          params: Service,
          response: { 200: Type.String({ description: 'SVG.' }), ...errorResponses(404) },
        },
      },
      (request, reply) => {
        const service = publicService(request.params.service);
        const covered = book.coveringMaintenance({ service: service.definition.name }, Date.now());
        const state = covered === undefined ? service.tracker.state : 'maintenance';
        void cached(request, reply, 'image/svg+xml', badgeSvg('status', state, colorOfState(state)));
      },
    );
    app.get(
      '/badge/:service/uptime',
      {
        schema: {
          tags,
          summary: 'An SVG badge of a public service uptime over a window (24h, 7d, 30d, 90d, 365d)',
          params: Service,
          querystring: Type.Object({ window: Type.Optional(Type.String({ maxLength: 8 })) }),
          response: { 200: Type.String({ description: 'SVG.' }), ...errorResponses(404, 422) },
        },
      },
      async (request, reply) => {
        const service = publicService(request.params.service);
        const window = request.query.window ?? '30d';
        const hours = WINDOWS[window];
        if (hours === undefined)
          throw new DomainError(
            'validation_failed',
            422,
            `window must be one of ${Object.keys(WINDOWS).join(', ')}`,
            'window',
          );
        const totals = await services.health.store.uptimeTotals(Math.floor(Date.now() / HOUR_MS) - hours + 1);
        const t = totals.get(service.id);
        const ratio = t === undefined || t.checks === 0 ? null : t.up / t.checks;
        const text = ratio === null ? 'no data' : `${(Math.floor(ratio * 10000) / 100).toFixed(2)}%`;
        return cached(
          request,
          reply,
          'image/svg+xml',
          badgeSvg(`uptime ${window}`, text, colorOfUptime(ratio)),
        );
      },
    );
    return Promise.resolve();
  };
}
