import type { HealthStore } from '../storage/ports.js';
import { incidentsOf, type Incident } from './incidents.js';
import { HOUR_MS } from './rollup.js';
import { dayIndex, monthDays } from './zoned-days.js';

/** More state changes than this in one month is a flapping service: the report reads the first ones. */
const MAX_EVENTS = 10_000;
export const DEFAULT_SLA_TARGET = 99.9;

export interface DayReport {
  /** The local date, YYYY-MM-DD, in the report's zone. */
  date: string;
  /** When the local day begins (UTC ISO); a DST day is 23 or 25 hours long. */
  start: string;
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
  /** IANA zone whose local days and month the report counts (default UTC). */
  timeZone: string;
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
 * One month of a service in a time zone, day by day: uptime from the hourly roll-ups (checks that
 * succeeded), downtime and incidents from the state changes. `month` is YYYY-MM (the route's schema
 * checks it); the days are the zone's local days, so DST months have a 23- or 25-hour day. A roll-up hour
 * counts on the local day its start falls in (a zone with a half-hour offset splits no hour).
 */
export async function monthlyReport(
  store: HealthStore,
  service: { id: number; name: string },
  month: string,
  slaTarget: number,
  now: number,
  timeZone = 'UTC',
): Promise<MonthReport> {
  const [year, monthNumber] = month.split('-').map(Number) as [number, number];
  const bounds = monthDays(year, monthNumber, timeZone);
  const from = bounds[0]!;
  const to = bounds.at(-1)!;
  const dayCount = bounds.length - 1;
  const [rollups, events, before] = await Promise.all([
    store.rollupsBetween(service.id, Math.floor(from / HOUR_MS), Math.ceil(to / HOUR_MS)),
    store.eventsBetween(service.id, from, to, MAX_EVENTS),
    store.eventBefore(service.id, from),
  ]);
  const incidents = incidentsOf(events, { from, to, before }, now);
  const days = Array.from({ length: dayCount }, (_, i) => ({ checks: 0, up: 0, downMs: 0, incidents: 0, i }));
  for (const row of rollups) {
    const day = days[dayIndex(bounds, row.hour * HOUR_MS)];
    if (day === undefined) continue;
    day.checks += row.checks;
    day.up += row.up;
  }
  for (const incident of incidents) {
    const first = days[dayIndex(bounds, incident.start)];
    if (first !== undefined) first.incidents++;
    if (incident.state !== 'down') continue;
    const end = incident.start + incident.durationMs;
    for (const day of days) {
      const overlap = Math.min(end, bounds[day.i + 1]!) - Math.max(incident.start, bounds[day.i]!);
      if (overlap > 0) day.downMs += overlap;
    }
  }
  const dayReports = days.map((d): DayReport => {
    const uptime = percent(d.up, d.checks);
    return {
      date: `${month}-${String(d.i + 1).padStart(2, '0')}`,
      start: new Date(bounds[d.i]!).toISOString(),
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
    timeZone,
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
