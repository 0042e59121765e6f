import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { DomainError } from '../../domain/errors.js';
import type { Services } from '../../services.js';
import { incidentView } from '../../status/public-view.js';
import type { MaintenanceWindow, StatusPage } from '../../status/status-book.js';
import { errorResponses } from '../problem.js';
import {
  IncidentInput,
  IncidentSchema,
  IncidentUpdateInput,
  MaintenanceInput,
  MaintenanceSchema,
  StatusPageInput,
  StatusPageSchema,
} from './status-schemas.js';

const tags = ['status pages'];
const Slug = Type.Object({ slug: Type.String({ maxLength: 64 }) });
const iso = (t: number): string => new Date(t).toISOString();
const DAY_MS = 86_400_000;

const pageView = (p: StatusPage) => ({ ...p, createdAt: iso(p.createdAt), updatedAt: iso(p.updatedAt) });

/** Status pages, their incidents, and maintenance windows: managed by editors and admins (write). */
export function statusAdminRoutes(services: Services): FastifyPluginAsyncTypebox {
  const book = services.status;
  /** Every service named must be watched: a typo would show a page with a service forever unknown. */
  const checkServices = (names: readonly string[], field: string): void => {
    const watched = new Set(services.health.checker.list().map((s) => s.definition.name));
    names.forEach((name, i) => {
      if (!watched.has(name))
        throw new DomainError(
          'service_not_found',
          422,
          `no watched service "${name}"`,
          `${field}[${String(i)}]`,
        );
    });
  };
  const maintenanceView = (w: MaintenanceWindow, now = Date.now()) => {
    const active = book.activeOccurrence(w.id, now);
    const next = active ?? book.nextOccurrence(w.id, now, 35 * DAY_MS);
    return {
      id: w.id,
      title: w.title,
      description: w.description,
      services: w.services,
      schedule: w.schedule,
      active: active !== undefined,
      next: next === undefined ? null : { startsAt: iso(next.startsAt), endsAt: iso(next.endsAt) },
      createdAt: iso(w.createdAt),
    };
  };
  return (app) => {
    app.get(
      '/api/status-pages',
      {
        schema: {
          tags,
          summary: 'Status pages',
          response: { 200: Type.Object({ pages: Type.Array(StatusPageSchema) }), ...errorResponses() },
        },
      },
      () => ({ pages: book.listPages().map(pageView) }),
    );
    app.post(
      '/api/status-pages',
      {
        schema: {
          tags,
          summary: 'Create a public status page (shown without login at /status/<slug>)',
          body: StatusPageInput,
          response: { 201: StatusPageSchema, ...errorResponses(409, 413, 415, 422) },
        },
      },
      async (request, reply) => {
        checkServices(
          request.body.services.map((s) => s.name),
          'services',
        );
        const page = await book.savePage({ description: '', ...request.body }, 'create');
        return reply.code(201).send(pageView(page));
      },
    );
    app.get(
      '/api/status-pages/:slug',
      {
        schema: {
          tags,
          summary: 'One status page, as configured',
          params: Slug,
          response: { 200: StatusPageSchema, ...errorResponses(404) },
        },
      },
      (request) => pageView(book.page(request.params.slug)),
    );
    app.put(
      '/api/status-pages/:slug',
      {
        schema: {
          tags,
          summary: 'Replace a status page (the slug in the body must be the one in the path)',
          params: Slug,
          body: StatusPageInput,
          response: { 200: StatusPageSchema, ...errorResponses(404, 413, 415, 422) },
        },
      },
      async (request) => {
        if (request.body.slug !== request.params.slug)
          throw new DomainError(
            'validation_failed',
            422,
            'the slug cannot change: create a new page',
            'slug',
          );
        checkServices(
          request.body.services.map((s) => s.name),
          'services',
        );
        return pageView(await book.savePage({ description: '', ...request.body }, 'replace'));
      },
    );
    app.delete(
      '/api/status-pages/:slug',
      {
        schema: {
          tags,
          summary: 'Delete a status page and its incidents',
          params: Slug,
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await book.deletePage(request.params.slug);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/status-pages/:slug/incidents',
      {
        schema: {
          tags,
          summary: "A page's incidents, newest first",
          params: Slug,
          response: { 200: Type.Object({ incidents: Type.Array(IncidentSchema) }), ...errorResponses(404) },
        },
      },
      (request) => {
        book.page(request.params.slug);
        return { incidents: book.incidentsOf(request.params.slug).map(incidentView) };
      },
    );
    app.post(
      '/api/status-pages/:slug/incidents',
      {
        schema: {
          tags,
          summary: 'Post an incident on a status page',
          params: Slug,
          body: IncidentInput,
          response: { 201: IncidentSchema, ...errorResponses(404, 413, 415, 422) },
        },
      },
      async (request, reply) =>
        reply.code(201).send(incidentView(await book.openIncident(request.params.slug, request.body))),
    );
    const IncidentParams = Type.Object({
      slug: Type.String({ maxLength: 64 }),
      id: Type.String({ maxLength: 64 }),
    });
    app.post(
      '/api/status-pages/:slug/incidents/:id/updates',
      {
        schema: {
          tags,
          summary: 'Add an update to an incident (status resolved closes it)',
          params: IncidentParams,
          body: IncidentUpdateInput,
          response: { 200: IncidentSchema, ...errorResponses(404, 413, 415, 422) },
        },
      },
      async (request) =>
        incidentView(await book.updateIncident(request.params.slug, request.params.id, request.body)),
    );
    app.delete(
      '/api/status-pages/:slug/incidents/:id',
      {
        schema: {
          tags,
          summary: 'Delete an incident',
          params: IncidentParams,
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        book.incident(request.params.slug, request.params.id);
        await book.deleteIncident(request.params.id);
        return reply.code(204).send(null);
      },
    );

    app.get(
      '/api/maintenance',
      {
        schema: {
          tags,
          summary: 'Maintenance windows, with whether each is on and its next occurrence',
          response: { 200: Type.Object({ windows: Type.Array(MaintenanceSchema) }), ...errorResponses() },
        },
      },
      () => ({ windows: book.listMaintenance().map((w) => maintenanceView(w)) }),
    );
    app.post(
      '/api/maintenance',
      {
        schema: {
          tags,
          summary:
            'Plan a maintenance window (once, weekly, monthly or cron, in a time zone): shown on status pages; alerts of its services notify nobody while it is on',
          body: MaintenanceInput,
          response: { 201: MaintenanceSchema, ...errorResponses(413, 415, 422) },
        },
      },
      async (request, reply) => {
        checkServices(request.body.services, 'services');
        const window = await book.saveMaintenance({ description: '', ...request.body }, undefined);
        return reply.code(201).send(maintenanceView(window));
      },
    );
    const Id = Type.Object({ id: Type.String({ maxLength: 64 }) });
    app.put(
      '/api/maintenance/:id',
      {
        schema: {
          tags,
          summary: 'Replace a maintenance window',
          params: Id,
          body: MaintenanceInput,
          response: { 200: MaintenanceSchema, ...errorResponses(404, 413, 415, 422) },
        },
      },
      async (request) => {
        book.maintenance(request.params.id);
        checkServices(request.body.services, 'services');
        return maintenanceView(
          await book.saveMaintenance({ description: '', ...request.body }, request.params.id),
        );
      },
    );
    app.delete(
      '/api/maintenance/:id',
      {
        schema: {
          tags,
          summary: 'Delete a maintenance window',
          params: Id,
          response: { 204: Type.Null(), ...errorResponses(404) },
        },
      },
      async (request, reply) => {
        await book.deleteMaintenance(request.params.id);
        return reply.code(204).send(null);
      },
    );
    return Promise.resolve();
  };
}
