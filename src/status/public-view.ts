import type { Services } from '../services.js';
import { HOUR_MS } from '../health/rollup.js';
import type { Incident, StatusPage } from './status-book.js';

const DAY_MS = 86_400_000;

/**
 * What a status page shows the public, built from scratch for each request: public names, states,
 * uptime, incidents and maintenance, and nothing else. No internal name, URL, target, probe reason or
 * address ever goes in: a reason such as "connect ECONNREFUSED 10.0.0.7:5432" stays inside.
 */
export async function publicStatus(services: Services, page: StatusPage, now = Date.now()) {
  const watched = new Map(services.health.checker.list().map((s) => [s.definition.name, s]));
  const hour = Math.floor(now / HOUR_MS);
  const [day, month] = await Promise.all([
    services.health.store.uptimeTotals(hour - 23),
    services.health.store.uptimeTotals(hour - 24 * 30 + 1),
  ]);
  const ratio = (totals: Map<number, { checks: number; up: number }>, id: number | undefined) => {
    const t = id === undefined ? undefined : totals.get(id);
    return t === undefined || t.checks === 0 ? null : t.up / t.checks;
  };
  const windows = services.status.listMaintenance();
  const maintenanceOf = (name: string) =>
    windows.some(
      (w) => w.services.includes(name) && services.status.activeOccurrence(w.id, now) !== undefined,
    );
  const rows = page.services.map((entry) => {
    const service = watched.get(entry.name);
    const state = maintenanceOf(entry.name) ? 'maintenance' : (service?.tracker.state ?? 'unknown');
    return {
      name: entry.publicName,
      state,
      uptime24h: ratio(day, service?.id),
      uptime30d: ratio(month, service?.id),
    };
  });
  const onPage = new Set(page.services.map((s) => s.name));
  const publicName = new Map(page.services.map((s) => [s.name, s.publicName]));
  const maintenance = windows
    .filter((w) => w.services.some((s) => onPage.has(s)))
    .map((w) => {
      const active = services.status.activeOccurrence(w.id, now);
      const next = active ?? services.status.nextOccurrence(w.id, now, 30 * DAY_MS);
      return {
        title: w.title,
        description: w.description,
        active: active !== undefined,
        startsAt: next === undefined ? null : new Date(next.startsAt).toISOString(),
        endsAt: next === undefined ? null : new Date(next.endsAt).toISOString(),
        recurring: w.schedule.kind !== 'once',
        services: w.services.filter((s) => onPage.has(s)).map((s) => publicName.get(s)!),
      };
    })
    .filter((m) => m.startsAt !== null);
  const incidents = services.status
    .incidentsOf(page.slug)
    .filter((i) => i.resolvedAt === null || now - i.resolvedAt < 14 * DAY_MS)
    .map(incidentView);
  const states = rows.map((r) => r.state);
  const overall = states.includes('down')
    ? 'outage'
    : states.includes('degraded')
      ? 'degraded'
      : states.includes('maintenance')
        ? 'maintenance'
        : states.length > 0 && states.every((s) => s === 'up')
          ? 'operational'
          : 'unknown';
  return {
    slug: page.slug,
    title: page.title,
    description: page.description,
    overall,
    services: rows,
    incidents,
    maintenance,
  };
}

export type PublicStatus = Awaited<ReturnType<typeof publicStatus>>;

export function incidentView(i: Incident) {
  return {
    id: i.id,
    title: i.title,
    impact: i.impact,
    status: i.status,
    createdAt: new Date(i.createdAt).toISOString(),
    resolvedAt: i.resolvedAt === null ? null : new Date(i.resolvedAt).toISOString(),
    updates: i.updates.map((u) => ({
      at: new Date(u.at).toISOString(),
      status: u.status,
      message: u.message,
    })),
  };
}
