import { element } from './dom.js';
import { submitInline } from './form-problems.js';
import { button, field, input, select, sendJson } from './ui-fields.js';

/** A schedule as the API takes and lists it (src/http/routes/status-schemas.ts). */
export type Schedule =
  | { kind: 'once'; startsAt: string; endsAt: string }
  | { kind: 'weekly'; weekdays: number[]; at: string; durationMinutes: number; timeZone: string }
  | { kind: 'monthly'; daysOfMonth: number[]; at: string; durationMinutes: number; timeZone: string }
  | { kind: 'cron'; expression: string; durationMinutes: number; timeZone: string };

export interface MaintenanceWindow {
  id: string;
  title: string;
  description: string;
  services: string[];
  active: boolean;
  next: { startsAt: string; endsAt: string } | null;
  schedule: Schedule;
}

const KINDS = ['once', 'weekly', 'monthly', 'cron'] as const;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** datetime-local gives local time without a zone: sent as an instant (ISO 8601 with Z). */
const instant = (local: string): string => (local === '' ? '' : new Date(local).toISOString());

/** An instant as a datetime-local value (the browser's local time, to the minute). */
function localOf(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * "1, 15" → [1, 15]. A part that is not a whole number is sent as typed, so the API's own message
 * ("must be integer") is the one shown next to the field.
 */
const daysOf = (text: string): unknown[] =>
  text
    .split(/[\s,]+/)
    .filter((p) => p !== '')
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p));

/**
 * The form for a new maintenance window or for editing one: one-off, weekly (weekdays), monthly (days of
 * month) or cron, each recurring kind at a time of day in an IANA zone. The API's refusals show next to
 * the field they name. `onDone` runs after a save (or a cancel of an edit).
 */
export function maintenanceForm(
  watched: readonly string[],
  existing: MaintenanceWindow | undefined,
  onDone: () => void,
): HTMLFormElement {
  const s = existing?.schedule;
  const form = element('form', {
    class: 'stack',
    id: 'maintenance-form',
    'aria-label': existing === undefined ? 'Schedule maintenance' : `Edit ${existing.title}`,
  });
  const title = input(existing?.title ?? '', { id: 'maintenance-title' });
  const services = element('fieldset', { id: 'maintenance-services' });
  services.append(element('legend', {}, 'Services covered'));
  services.dataset.field = 'services';
  const serviceChecks = [...new Set([...watched, ...(existing?.services ?? [])])].map((name) => {
    const check = element('input', { type: 'checkbox', id: `maintenance-service-${name}` });
    check.checked = existing?.services.includes(name) ?? false;
    services.append(check, element('label', { for: check.id, class: 'inline' }, name));
    return { name, check };
  });
  const kind = select(KINDS, s?.kind ?? 'once');
  kind.id = 'maintenance-kind';
  const startsAt = input(s?.kind === 'once' ? localOf(s.startsAt) : '', {
    type: 'datetime-local',
    id: 'maintenance-starts',
  });
  const endsAt = input(s?.kind === 'once' ? localOf(s.endsAt) : '', {
    type: 'datetime-local',
    id: 'maintenance-ends',
  });
  const at = input(s !== undefined && 'at' in s ? s.at : '02:00', { type: 'time', id: 'maintenance-at' });
  const duration = input(s !== undefined && s.kind !== 'once' ? String(s.durationMinutes) : '60', {
    type: 'number',
    min: '1',
    id: 'maintenance-duration',
  });
  const zone = input(
    s !== undefined && s.kind !== 'once' ? s.timeZone : Intl.DateTimeFormat().resolvedOptions().timeZone,
    { id: 'maintenance-zone', autocomplete: 'off', spellcheck: 'false' },
  );
  const monthDays = input(s?.kind === 'monthly' ? s.daysOfMonth.join(', ') : '', {
    id: 'maintenance-days-of-month',
    inputmode: 'numeric',
    placeholder: '1, 15',
  });
  const cron = input(s?.kind === 'cron' ? s.expression : '', {
    id: 'maintenance-cron',
    spellcheck: 'false',
    placeholder: '0 3 * * 1-5',
  });

  const once = element('div', { class: 'stack' });
  once.append(field('Starts', startsAt, 'schedule.startsAt'), field('Ends', endsAt, 'schedule.endsAt'));
  const weekdays = element('fieldset', { id: 'maintenance-weekdays' });
  weekdays.append(element('legend', {}, 'Weekdays'));
  weekdays.dataset.field = 'schedule.weekdays';
  const dayChecks = WEEKDAYS.map((d, i) => {
    const check = element('input', { type: 'checkbox', id: `maintenance-day-${String(i)}` });
    check.checked = s?.kind === 'weekly' && s.weekdays.includes(i);
    weekdays.append(check, element('label', { for: check.id, class: 'inline' }, d));
    return check;
  });
  const monthly = field('Days of the month (e.g. 1, 15)', monthDays, 'schedule.daysOfMonth');
  const cronField = field('Cron expression (minute hour day month weekday)', cron, 'schedule.expression');
  const atField = field('At (HH:MM)', at, 'schedule.at');
  const recurring = element('div', { class: 'stack' });
  recurring.append(
    field('Duration (minutes)', duration, 'schedule.durationMinutes'),
    field('Time zone (IANA, e.g. Europe/Paris)', zone, 'schedule.timeZone'),
  );
  const showKind = (): void => {
    const k = kind.value;
    once.hidden = k !== 'once';
    weekdays.hidden = k !== 'weekly';
    monthly.hidden = k !== 'monthly';
    cronField.hidden = k !== 'cron';
    atField.hidden = k !== 'weekly' && k !== 'monthly';
    recurring.hidden = k === 'once';
  };
  kind.addEventListener('change', showKind);
  showKind();

  const scheduleOf = (): unknown => {
    const repeat = { durationMinutes: Number(duration.value), timeZone: zone.value.trim() };
    switch (kind.value) {
      case 'once':
        return { kind: 'once', startsAt: instant(startsAt.value), endsAt: instant(endsAt.value) };
      case 'weekly':
        return {
          kind: 'weekly',
          weekdays: dayChecks.flatMap((d, i) => (d.checked ? [i] : [])),
          at: at.value,
          ...repeat,
        };
      case 'monthly':
        return { kind: 'monthly', daysOfMonth: daysOf(monthDays.value), at: at.value, ...repeat };
      default:
        return { kind: 'cron', expression: cron.value.trim(), ...repeat };
    }
  };

  const heading = existing === undefined ? 'Schedule maintenance' : `Edit maintenance: ${existing.title}`;
  const buttons = element('div', { class: 'row' });
  buttons.append(
    element(
      'button',
      { type: 'submit', class: 'primary' },
      existing === undefined ? 'Schedule maintenance' : 'Save changes',
    ),
  );
  if (existing !== undefined) {
    const cancel = button('Cancel', { id: 'maintenance-cancel' });
    cancel.addEventListener('click', onDone);
    buttons.append(cancel);
  }
  form.append(
    element('h3', { id: 'maintenance-form-heading' }, heading),
    field('Title', title, 'title'),
    services,
    field('Repeats', kind, 'schedule'),
    once,
    weekdays,
    monthly,
    cronField,
    atField,
    recurring,
    buttons,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = {
      title: title.value,
      // Not edited here: kept as it was (PUT replaces the whole window).
      ...(existing === undefined || existing.description === '' ? {} : { description: existing.description }),
      services: serviceChecks.filter((c) => c.check.checked).map((c) => c.name),
      schedule: scheduleOf(),
    };
    const call = (): Promise<Response> =>
      existing === undefined
        ? sendJson('POST', '/api/maintenance', body)
        : sendJson('PUT', `/api/maintenance/${encodeURIComponent(existing.id)}`, body);
    void submitInline(form, call).then((ok) => {
      if (ok !== undefined) onDone();
    });
  });
  return form;
}
