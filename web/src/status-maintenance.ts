import { getJson } from './api.js';
import { element } from './dom.js';
import { act } from './notice.js';
import { maintenanceForm, type MaintenanceWindow, type Schedule } from './status-maintenance-form.js';
import { button, sendJson } from './ui-fields.js';
import { newestGate } from './newest.js';

const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** A schedule in a few words: "weekly Sun 03:30 (Europe/Paris), 90 min". */
function describe(s: Schedule): string {
  switch (s.kind) {
    case 'once':
      return `once, ${new Date(s.startsAt).toLocaleString()} → ${new Date(s.endsAt).toLocaleString()}`;
    case 'weekly':
      return `weekly ${s.weekdays.map((d) => WEEKDAYS[d] ?? '?').join(', ')} ${s.at} (${s.timeZone}), ${String(s.durationMinutes)} min`;
    case 'monthly':
      return `monthly on day ${s.daysOfMonth.join(', ')} ${s.at} (${s.timeZone}), ${String(s.durationMinutes)} min`;
    case 'cron':
      return `cron ${s.expression} (${s.timeZone}), ${String(s.durationMinutes)} min`;
  }
}

const nextList = newestGate();

/**
 * Maintenance windows: the list with the next occurrence, edit and delete per window, and the form for a
 * new one (one-off, weekly, monthly or cron, in a time zone). Edit puts the window's own form in place of
 * the new-window form.
 */
export async function mountMaintenance(container: HTMLElement, watched: readonly string[]): Promise<void> {
  const isNewest = nextList();
  const { windows } = await getJson<{ windows: MaintenanceWindow[] }>('/api/maintenance');
  if (!isNewest()) return; // a later reload (after an edit or delete) shows the list as it is now
  const reload = (): void => void mountMaintenance(container, watched);
  const notice = document.getElementById('notice') ?? container;
  const table = element('table', { id: 'maintenance' });
  const head = element('tr');
  for (const h of ['Title', 'Services', 'Schedule', 'Next', 'Actions'])
    head.append(element('th', { scope: 'col' }, h));
  table.append(head);
  let form = maintenanceForm(watched, undefined, reload);
  for (const w of windows) {
    const row = element('tr', { 'data-window': w.id });
    const edit = button('Edit', { 'aria-label': `Edit ${w.title}`, class: 'maintenance-edit' });
    edit.addEventListener('click', () => {
      const editing = maintenanceForm(watched, w, reload);
      form.replaceWith(editing);
      form = editing;
      editing.querySelector<HTMLInputElement>('#maintenance-title')?.focus();
    });
    const remove = button('Delete', { 'aria-label': `Delete ${w.title}`, class: 'maintenance-delete' });
    remove.addEventListener('click', () => {
      if (!window.confirm(`Delete the maintenance window "${w.title}"?`)) return;
      void act(notice, `delete ${w.title}`, () =>
        sendJson('DELETE', `/api/maintenance/${encodeURIComponent(w.id)}`),
      ).then((ok) => {
        if (ok) reload();
      });
    });
    const actions = element('td', { class: 'row' });
    actions.append(edit, remove);
    const next = w.active ? 'on now' : w.next === null ? '–' : new Date(w.next.startsAt).toLocaleString();
    row.append(
      element('td', {}, w.title),
      element('td', {}, w.services.join(', ')),
      element('td', {}, describe(w.schedule)),
      element('td', {}, next),
      actions,
    );
    table.append(row);
  }
  container.replaceChildren(
    element('h2', { id: 'maintenance-heading' }, 'Maintenance windows'),
    windows.length === 0 ? element('p', { class: 'muted' }, 'No maintenance window.') : table,
    form,
  );
}
