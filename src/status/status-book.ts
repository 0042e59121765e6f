import { randomUUID } from 'node:crypto';
import { DomainError } from '../domain/errors.js';
import type { StatusKind, StatusStore } from '../storage/ports.js';
import { compileSchedule, type CompiledSchedule, type Schedule } from './maintenance-schedule.js';

/** A public status page: a chosen group of services, each under the name the public sees. */
export interface StatusPage {
  slug: string;
  title: string;
  description: string;
  services: { name: string; publicName: string }[];
  createdAt: number;
  updatedAt: number;
}

export type IncidentStatus = 'investigating' | 'identified' | 'monitoring' | 'resolved';

export interface Incident {
  id: string;
  page: string;
  title: string;
  impact: 'none' | 'minor' | 'major' | 'critical';
  status: IncidentStatus;
  updates: { at: number; status: IncidentStatus; message: string }[];
  createdAt: number;
  resolvedAt: number | null;
}

/** Planned work: shown on its pages, and alerts of its services notify nobody while it lasts. */
export interface MaintenanceWindow {
  id: string;
  title: string;
  description: string;
  /** Internal service names it covers. */
  services: string[];
  schedule: Schedule;
  createdAt: number;
}

/**
 * The one owner of status pages, incidents and maintenance windows in memory (loaded at start, written
 * through to the StatusStore). Maintenance windows also act as a silence source for the alert notifier:
 * `coveringMaintenance` answers for an alert's labels.
 */
export class StatusBook {
  private readonly pages = new Map<string, StatusPage>();
  private readonly incidents = new Map<string, Incident>();
  private readonly windows = new Map<string, { window: MaintenanceWindow; schedule: CompiledSchedule }>();

  constructor(private readonly store: StatusStore) {}

  async load(): Promise<void> {
    for (const d of await this.store.load('page')) this.pages.set(d.id, JSON.parse(d.data) as StatusPage);
    for (const d of await this.store.load('incident'))
      this.incidents.set(d.id, JSON.parse(d.data) as Incident);
    for (const d of await this.store.load('maintenance')) {
      const window = JSON.parse(d.data) as MaintenanceWindow;
      this.windows.set(d.id, { window, schedule: compileSchedule(window.schedule) });
    }
  }

  listPages(): StatusPage[] {
    return [...this.pages.values()].sort((a, b) => a.slug.localeCompare(b.slug));
  }

  page(slug: string): StatusPage {
    const page = this.pages.get(slug);
    if (page === undefined)
      throw new DomainError('status_page_not_found', 404, `no status page "${slug}"`, 'slug');
    return page;
  }

  async savePage(
    input: Omit<StatusPage, 'createdAt' | 'updatedAt'>,
    mode: 'create' | 'replace',
    now = Date.now(),
  ): Promise<StatusPage> {
    const existing = this.pages.get(input.slug);
    if (mode === 'create' && existing !== undefined)
      throw new DomainError(
        'status_page_exists',
        409,
        `a status page "${input.slug}" exists: PUT to change it`,
        'slug',
      );
    if (mode === 'replace' && existing === undefined) this.page(input.slug);
    const page: StatusPage = { ...input, createdAt: existing?.createdAt ?? now, updatedAt: now };
    await this.write('page', page.slug, page.slug, page, now);
    this.pages.set(page.slug, page);
    return page;
  }

  async deletePage(slug: string): Promise<void> {
    this.page(slug);
    for (const incident of this.incidentsOf(slug)) await this.deleteIncident(incident.id);
    await this.store.remove('page', slug);
    this.pages.delete(slug);
  }

  /** Pages that show a service (to decide whether its badges are public). */
  pagesShowing(service: string): StatusPage[] {
    return this.listPages().filter((p) => p.services.some((s) => s.name === service));
  }

  incidentsOf(slug: string): Incident[] {
    return [...this.incidents.values()]
      .filter((i) => i.page === slug)
      .sort((a, b) => b.createdAt - a.createdAt);
  }

  incident(slug: string, id: string): Incident {
    const incident = this.incidents.get(id);
    if (incident?.page !== slug)
      throw new DomainError('incident_not_found', 404, `no incident ${id} on "${slug}"`, 'id');
    return incident;
  }

  async openIncident(
    slug: string,
    input: { title: string; impact: Incident['impact']; status: IncidentStatus; message: string },
    now = Date.now(),
  ): Promise<Incident> {
    this.page(slug);
    const incident: Incident = {
      id: randomUUID(),
      page: slug,
      title: input.title,
      impact: input.impact,
      status: input.status,
      updates: [{ at: now, status: input.status, message: input.message }],
      createdAt: now,
      resolvedAt: input.status === 'resolved' ? now : null,
    };
    await this.write('incident', incident.id, slug, incident, now);
    this.incidents.set(incident.id, incident);
    return incident;
  }

  async updateIncident(
    slug: string,
    id: string,
    update: { status: IncidentStatus; message: string },
    now = Date.now(),
  ): Promise<Incident> {
    const incident = this.incident(slug, id);
    const next: Incident = {
      ...incident,
      status: update.status,
      updates: [{ at: now, ...update }, ...incident.updates],
      resolvedAt: update.status === 'resolved' ? (incident.resolvedAt ?? now) : null,
    };
    await this.write('incident', id, slug, next, now);
    this.incidents.set(id, next);
    return next;
  }

  async deleteIncident(id: string): Promise<void> {
    await this.store.remove('incident', id);
    this.incidents.delete(id);
  }

  listMaintenance(): MaintenanceWindow[] {
    return [...this.windows.values()].map((w) => w.window).sort((a, b) => a.createdAt - b.createdAt);
  }

  maintenance(id: string): MaintenanceWindow {
    const entry = this.windows.get(id);
    if (entry === undefined)
      throw new DomainError('maintenance_not_found', 404, `no maintenance window ${id}`, 'id');
    return entry.window;
  }

  async saveMaintenance(
    input: Omit<MaintenanceWindow, 'id' | 'createdAt'>,
    id: string | undefined,
    now = Date.now(),
  ): Promise<MaintenanceWindow> {
    const existing = id === undefined ? undefined : this.maintenance(id);
    const schedule = compileSchedule(input.schedule);
    const window: MaintenanceWindow = {
      ...input,
      id: id ?? randomUUID(),
      createdAt: existing?.createdAt ?? now,
    };
    await this.write('maintenance', window.id, '', window, now);
    this.windows.set(window.id, { window, schedule });
    return window;
  }

  async deleteMaintenance(id: string): Promise<void> {
    this.maintenance(id);
    await this.store.remove('maintenance', id);
    this.windows.delete(id);
  }

  /** The occurrence of a window covering `now`, if it is on. */
  activeOccurrence(id: string, now: number): { startsAt: number; endsAt: number } | undefined {
    return this.windows.get(id)?.schedule.activeAt(now);
  }

  nextOccurrence(
    id: string,
    now: number,
    horizonMs: number,
  ): { startsAt: number; endsAt: number } | undefined {
    return this.windows.get(id)?.schedule.nextAfter(now, horizonMs);
  }

  /** The window covering this service now, as the silence id alerts record ("maintenance:<id>"). */
  coveringMaintenance(labels: Readonly<Record<string, string>>, now: number): string | undefined {
    const service = labels.service;
    if (service === undefined) return undefined;
    for (const { window, schedule } of this.windows.values())
      if (window.services.includes(service) && schedule.activeAt(now) !== undefined)
        return `maintenance:${window.id}`;
    return undefined;
  }

  private async write(
    kind: StatusKind,
    id: string,
    page: string,
    value: unknown,
    now: number,
  ): Promise<void> {
    await this.store.save(kind, { id, page, data: JSON.stringify(value), updatedAt: now });
  }
}
