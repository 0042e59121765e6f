import { getJson } from './api.js';
import { element } from './dom.js';
import { formatAge } from './format.js';
import { act } from './notice.js';
import { hashOf, type RouteContext } from './router.js';
import { servicePath, type MonthReport } from './service-api.js';
import { authorizedFetch } from './session.js';

const thisMonth = (): string => new Date().toISOString().slice(0, 7);
/** The browser's own zone (the zone the page offers beside UTC). */
const browserZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;
const percent = (v: number | null): string => (v === null ? '–' : `${String(v)} %`);
const met = (v: boolean | null): string => (v === null ? '–' : v ? 'met' : 'missed');

function daysTable(report: MonthReport): HTMLElement {
  const table = element('table', { id: 'report-days' });
  const head = element('tr');
  for (const h of [`Day (${report.timeZone})`, 'Checks', 'Uptime', 'Downtime', 'Incidents', 'SLA'])
    head.append(element('th', { scope: 'col' }, h));
  table.append(head);
  for (const day of report.days) {
    const tr = element('tr', { 'data-date': day.date, 'data-start': day.start });
    tr.append(
      element('th', { scope: 'row' }, day.date),
      element('td', {}, String(day.checks)),
      element('td', {}, percent(day.uptimePercent)),
      element('td', {}, `${String(day.downtimeMinutes)} min`),
      element('td', {}, String(day.incidents)),
      element('td', { class: `sla ${met(day.slaMet)}` }, met(day.slaMet)),
    );
    table.append(tr);
  }
  return table;
}

/** Saves a CSV fetched with the session's token (a plain link would go without it). */
async function download(name: string, month: string, target: string, tz: string): Promise<Response> {
  const query = new URLSearchParams({ month, tz, format: 'csv', ...(target === '' ? {} : { target }) });
  const response = await authorizedFetch(`${servicePath(name)}/report?${query.toString()}`);
  if (!response.ok) return response;
  const url = URL.createObjectURL(await response.clone().blob());
  const link = element('a', { href: url, download: `${name}-${month}.csv` });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => {
    URL.revokeObjectURL(url);
  }, 10_000);
  return response;
}

/** `#/services/<name>/report?month=YYYY-MM&target=99.9`: the monthly uptime / SLA report and its CSV. */
export async function mountReportPage({ outlet, params, query }: RouteContext): Promise<undefined> {
  const name = params.name ?? '';
  const month = query.get('month') ?? thisMonth();
  const target = query.get('target') ?? '';
  const tz = query.get('tz') ?? 'UTC';
  const view = element('main', { class: 'report-page', id: 'report-page' });
  const form = element('form', { class: 'table-controls', id: 'report-form' });
  const monthInput = element('input', {
    type: 'month',
    id: 'report-month',
    'aria-label': 'Month',
    value: month,
  });
  const targetInput = element('input', {
    type: 'number',
    id: 'report-target',
    step: 'any',
    min: '0',
    max: '100',
    placeholder: 'service target',
    'aria-label': 'SLA target in percent',
    value: target,
  });
  // UTC (the default), the browser's zone, and the one in the URL if it is neither.
  const zoneSelect = element('select', { id: 'report-tz', 'aria-label': 'Time zone of the days' });
  for (const zone of new Set(['UTC', browserZone(), tz]))
    zoneSelect.append(
      element(
        'option',
        { value: zone },
        zone === browserZone() && zone !== 'UTC' ? `${zone} (this browser)` : zone,
      ),
    );
  zoneSelect.value = tz;
  const csv = element('button', { type: 'button', id: 'report-csv' }, 'Download CSV');
  form.append(monthInput, targetInput, zoneSelect, element('button', { type: 'submit' }, 'Show'), csv);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams({
      month: monthInput.value,
      ...(targetInput.value === '' ? {} : { target: targetInput.value }),
      ...(zoneSelect.value === 'UTC' ? {} : { tz: zoneSelect.value }),
    });
    window.location.hash = `${hashOf('services', name)}/report?${next.toString()}`;
  });
  csv.addEventListener('click', () => {
    void act(document.getElementById('notice')!, 'export the report', () =>
      download(name, month, target, tz),
    );
  });
  view.append(
    element('a', { href: hashOf('services', name), class: 'back' }, `← ${name}`),
    element('h2', {}, `Monthly report: ${name}, ${month} (${tz})`),
    form,
  );
  outlet.replaceChildren(view);
  const reportQuery = new URLSearchParams({ month, tz, ...(target === '' ? {} : { target }) });
  let report: MonthReport;
  try {
    report = await getJson<MonthReport>(`${servicePath(name)}/report?${reportQuery.toString()}`);
  } catch (error) {
    view.append(element('p', { class: 'error', role: 'alert' }, (error as Error).message));
    return undefined;
  }
  const summary = element('section', { class: 'tiles', id: 'report-summary', 'aria-label': 'Month' });
  for (const [label, value] of [
    ['Uptime', percent(report.uptimePercent)],
    ['Downtime', `${String(report.downtimeMinutes)} min`],
    ['Incidents', String(report.incidents)],
    [`SLA ${String(report.slaTarget)} %`, met(report.slaMet)],
  ] as const) {
    const tile = element('div', { class: 'tile' });
    tile.append(element('div', { class: 'label' }, label), element('div', { class: 'value' }, value));
    summary.append(tile);
  }
  const incidents = element('ul', { class: 'incident-list' });
  for (const incident of report.incidentList)
    incidents.append(
      element(
        'li',
        {},
        `${new Date(incident.start).toISOString()} · ${formatAge(incident.durationMs)} ${incident.state}${incident.reason === null ? '' : ` · ${incident.reason.code}: ${incident.reason.message}`}`,
      ),
    );
  // The days table scrolls on its own at phone width; the page does not scroll sideways.
  const days = element('div', { class: 'table-scroll' });
  days.append(daysTable(report));
  view.append(summary, days);
  if (report.incidentList.length > 0) view.append(element('h3', {}, 'Incidents'), incidents);
  return undefined;
}
