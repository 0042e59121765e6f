import type { HealthStore } from '../storage/ports.js';
import { incidentsOf, type Incident } from './incidents.js';
import { HOUR_MS } from './rollup.js';

const DAY_MS = 86_400_000;
/** More state changes than this in one month is a flapping service: the report reads the first ones. */
const MAX_EVENTS = 10_000;
export const DEFAULT_SLA_TARGET = 99.9;

export interface DayReport {
  date: string;
  checks: number;
  /** Successful checks / checks in percent; null without a check that day. */
  uptimePercent: number | null;
  /** Minutes spent DOWN (from state changes, so time-exact whatever the check interval). */
  downtimeMinutes: number;
  /** Incidents that began that day (one open when the month began counts on its first day). */
  incidents: number;
  slaMet: boolean | null;
}

export interface MonthReport {
  service: string;
  month: string;
  timeZone: 'UTC';
  slaTarget: number;
  checks: number;
  uptimePercent: number | null;
  downtimeMinutes: number;
  incidents: number;
  slaMet: boolean | null;
  days: DayReport[];
  incidentList: Incident[];
}

const round = (v: number, digits: number): number => Number(v.toFixed(digits));
const percent = (up: number, checks: number): number | null =>
  checks === 0 ? null : round((up / checks) * 100, 4);
const met = (uptime: number | null, target: number): boolean | null =>
  uptime === null ? null : uptime >= target;

/**
 * One UTC month of a service, day by day: uptime from the hourly roll-ups (checks that succeeded),
 * downtime and incidents from the state changes. `month` is YYYY-MM (the route's schema checks it).
 */
export async function monthlyReport(
  store: HealthStore,
  service: { id: number; name: string },
  month: string,
  slaTarget: number,
  now: number,
): Promise<MonthReport> {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const from = Date.UTC(year, monthNumber - 1, 1);
  const to = Date.UTC(year, monthNumber, 1);
  const dayCount = Math.round((to - from) / DAY_MS);
  const [rollups, events, before] = await Promise.all([
    store.rollupsBetween(service.id, Math.floor(from / HOUR_MS), Math.floor(to / HOUR_MS)),
    store.eventsBetween(service.id, from, to, MAX_EVENTS),
    store.eventBefore(service.id, from),
  ]);
  const incidents = incidentsOf(events, { from, to, before }, now);
  const days = Array.from({ length: dayCount }, (_, i) => ({ checks: 0, up: 0, downMs: 0, incidents: 0, i }));
  for (const row of rollups) {
    const day = days[Math.floor((row.hour * HOUR_MS - from) / DAY_MS)];
    if (day === undefined) continue;
    day.checks += row.checks;
    day.up += row.up;
  }
  for (const incident of incidents) {
    const first = days[Math.floor((incident.start - from) / DAY_MS)];
    if (first !== undefined) first.incidents++;
    if (incident.state !== 'down') continue;
    const end = incident.start + incident.durationMs;
    for (const day of days) {
      const dayStart = from + day.i * DAY_MS;
      const overlap = Math.min(end, dayStart + DAY_MS) - Math.max(incident.start, dayStart);
      if (overlap > 0) day.downMs += overlap;
    }
  }
  const dayReports = days.map((d): DayReport => {
    const uptime = percent(d.up, d.checks);
    return {
      date: new Date(from + d.i * DAY_MS).toISOString().slice(0, 10),
      checks: d.checks,
      uptimePercent: uptime,
      downtimeMinutes: round(d.downMs / 60_000, 1),
      incidents: d.incidents,
      slaMet: met(uptime, slaTarget),
    };
  });
  const checks = days.reduce((s, d) => s + d.checks, 0);
  const uptime = percent(
    days.reduce((s, d) => s + d.up, 0),
    checks,
  );
  return {
    service: service.name,
    month,
    timeZone: 'UTC',
    slaTarget,
    checks,
    uptimePercent: uptime,
    downtimeMinutes: round(days.reduce((s, d) => s + d.downMs, 0) / 60_000, 1),
    incidents: incidents.length,
    slaMet: met(uptime, slaTarget),
    days: dayReports,
    incidentList: incidents,
  };
}

const cell = (v: string | number | boolean | null): string => (v === null ? '' : String(v));

/** The report as CSV (RFC 4180): one row per day, then the month's totals on a row dated YYYY-MM. */
export function reportCsv(report: MonthReport): string {
  const rows = [
    'date,checks,uptime_percent,downtime_minutes,incidents,sla_target_percent,sla_met',
    ...report.days.map((d) =>
      [d.date, d.checks, d.uptimePercent, d.downtimeMinutes, d.incidents, report.slaTarget, d.slaMet]
        .map(cell)
        .join(','),
    ),
    [
      report.month,
      report.checks,
      report.uptimePercent,
      report.downtimeMinutes,
      report.incidents,
      report.slaTarget,
      report.slaMet,
    ]
      .map(cell)
      .join(','),
  ];
  return rows.join('\r\n') + '\r\n';
}
