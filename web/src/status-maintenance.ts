import { getJson } from './api.js';
import { element } from './dom.js';
import { submitInline } from './form-problems.js';
import { button, field, input, select, sendJson } from './ui-fields.js';

interface MaintenanceRow {
  id: string;
  title: string;
  services: string[];
  active: boolean;
  next: { startsAt: string; endsAt: string } | null;
  schedule: { kind: string };
}

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** datetime-local gives local time without a zone: sent as an instant (ISO 8601 with Z). */
const instant = (local: string): string => (local === '' ? '' : new Date(local).toISOString());

function scheduleOf(
  kind: string,
  controls: Record<string, HTMLInputElement>,
  days: HTMLInputElement[],
): unknown {
  if (kind === 'once')
    return { kind, startsAt: instant(controls.startsAt!.value), endsAt: instant(controls.endsAt!.value) };
  return {
    kind: 'weekly',
    weekdays: days.flatMap((d, i) => (d.checked ? [i] : [])),
    at: controls.at!.value,
    durationMinutes: Number(controls.duration!.value),
    timeZone: controls.timeZone!.value,
  };
}

/** Maintenance windows: the list with the next occurrence, and a form for a one-off or weekly window. */
export async function mountMaintenance(container: HTMLElement, watched: readonly string[]): Promise<void> {
  const { windows } = await getJson<{ windows: MaintenanceRow[] }>('/api/maintenance');
  const reload = (): void => void mountMaintenance(container, watched);
  const table = element('table', { id: 'maintenance' });
  const head = element('tr');
  for (const h of ['Title', 'Services', 'Schedule', 'Next', 'Actions'])
    head.append(element('th', { scope: 'col' }, h));
  table.append(head);
  for (const w of windows) {
    const row = element('tr', { 'data-window': w.id });
    const remove = button('Delete', { 'aria-label': `Delete ${w.title}` });
    remove.addEventListener('click', () => {
      void sendJson('DELETE', `/api/maintenance/${encodeURIComponent(w.id)}`).then(reload);
    });
    const actions = element('td');
    actions.append(remove);
    const next = w.active ? 'on now' : w.next === null ? '–' : new Date(w.next.startsAt).toLocaleString();
    row.append(
      element('td', {}, w.title),
      element('td', {}, w.services.join(', ')),
      element('td', {}, w.schedule.kind),
      element('td', {}, next),
      actions,
    );
    table.append(row);
  }

  const form = element('form', {
    class: 'stack',
    id: 'maintenance-form',
    'aria-label': 'Schedule maintenance',
  });
  const title = input('', { id: 'maintenance-title' });
  const services = element('fieldset', { id: 'maintenance-services' });
  services.append(element('legend', {}, 'Services covered'));
  const serviceChecks = watched.map((name) => {
    const check = element('input', { type: 'checkbox', id: `maintenance-service-${name}` });
    const label = element('label', { for: check.id, class: 'inline' }, name);
    services.append(check, label);
    return { name, check };
  });
  const kind = select(['once', 'weekly'], 'once');
  const controls: Record<string, HTMLInputElement> = {
    startsAt: input('', { type: 'datetime-local', id: 'maintenance-starts' }),
    endsAt: input('', { type: 'datetime-local', id: 'maintenance-ends' }),
    at: input('02:00', { type: 'time', id: 'maintenance-at' }),
    duration: input('60', { type: 'number', min: '1', id: 'maintenance-duration' }),
    timeZone: input(Intl.DateTimeFormat().resolvedOptions().timeZone, { id: 'maintenance-zone' }),
  };
  const once = element('div', { class: 'stack' });
  once.append(
    field('Starts', controls.startsAt!, 'schedule.startsAt'),
    field('Ends', controls.endsAt!, 'schedule.endsAt'),
  );
  const weekly = element('div', { class: 'stack' });
  const days = element('fieldset', {});
  days.append(element('legend', {}, 'Weekdays'));
  const dayChecks = WEEKDAYS.map((d, i) => {
    const check = element('input', { type: 'checkbox', id: `maintenance-day-${String(i)}` });
    days.append(check, element('label', { for: check.id, class: 'inline' }, d));
    return check;
  });
  days.dataset.field = 'schedule.weekdays';
  weekly.append(
    days,
    field('At (HH:MM)', controls.at!, 'schedule.at'),
    field('Duration (minutes)', controls.duration!, 'schedule.durationMinutes'),
    field('Time zone', controls.timeZone!, 'schedule.timeZone'),
  );
  weekly.hidden = true;
  kind.addEventListener('change', () => {
    once.hidden = kind.value !== 'once';
    weekly.hidden = kind.value === 'once';
  });
  services.dataset.field = 'services';
  const buttons = element('div', { class: 'row' });
  buttons.append(element('button', { type: 'submit', class: 'primary' }, 'Schedule maintenance'));
  form.append(
    element('h3', {}, 'Schedule maintenance'),
    field('Title', title, 'title'),
    services,
    field('Repeats', kind, 'schedule'),
    once,
    weekly,
    buttons,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      title: title.value,
      services: serviceChecks.filter((s) => s.check.checked).map((s) => s.name),
      schedule: scheduleOf(kind.value, controls, dayChecks),
    };
    void submitInline(form, () => sendJson('POST', '/api/maintenance', body)).then((ok) => {
      if (ok !== undefined) reload();
    });
  });
  container.replaceChildren(
    element('h2', { id: 'maintenance-heading' }, 'Maintenance windows'),
    windows.length === 0 ? element('p', { class: 'muted' }, 'No maintenance window.') : table,
    form,
  );
}
