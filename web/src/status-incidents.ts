import { getJson } from './api.js';
import { element } from './dom.js';
import { submitInline } from './form-problems.js';
import type { StatusPage } from './status-admin.js';
import { field, input, select, sendJson } from './ui-fields.js';
import { newestGate } from './newest.js';

interface Incident {
  id: string;
  title: string;
  impact: string;
  status: string;
  createdAt: string;
  resolvedAt: string | null;
  updates: { at: string; status: string; message: string }[];
}

const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'];
const IMPACTS = ['none', 'minor', 'major', 'critical'];

function updateForm(page: StatusPage, incident: Incident, done: () => void): HTMLFormElement {
  const form = element('form', { class: 'stack compact', 'aria-label': `Update ${incident.title}` });
  const status = select(STATUSES, incident.status);
  const message = element('textarea', { rows: '2' });
  const buttons = element('div', { class: 'row' });
  buttons.append(element('button', { type: 'submit' }, 'Post update'));
  form.append(field('Status', status, 'status'), field('Update', message, 'message'), buttons);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const path = `/api/status-pages/${encodeURIComponent(page.slug)}/incidents/${encodeURIComponent(incident.id)}/updates`;
    void submitInline(form, () =>
      sendJson('POST', path, { status: status.value, message: message.value }),
    ).then((ok) => {
      if (ok !== undefined) done();
    });
  });
  return form;
}

/** One incidents panel at a time: "Incidents" of page A then of page B shows B's, whichever answers last. */
const nextIncidents = newestGate();

/** A page's incidents, newest first, each with its updates and a form for the next one; and a new one. */
export async function mountIncidents(container: HTMLElement, page: StatusPage): Promise<void> {
  const isNewest = nextIncidents();
  const { incidents } = await getJson<{ incidents: Incident[] }>(
    `/api/status-pages/${encodeURIComponent(page.slug)}/incidents`,
  );
  if (!isNewest()) return;
  const reload = (): void => void mountIncidents(container, page);
  const form = element('form', { class: 'stack', id: 'incident-form', 'aria-label': 'Post an incident' });
  const title = input('', { id: 'incident-title' });
  const impact = select(IMPACTS, 'minor');
  const status = select(STATUSES, 'investigating');
  const message = element('textarea', { id: 'incident-message', rows: '3' });
  const buttons = element('div', { class: 'row' });
  buttons.append(element('button', { type: 'submit', class: 'primary' }, 'Post incident'));
  form.append(
    element('h3', {}, 'Post an incident'),
    field('Title', title, 'title'),
    field('Impact', impact, 'impact'),
    field('Status', status, 'status'),
    field('Message', message, 'message'),
    buttons,
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const body = { title: title.value, impact: impact.value, status: status.value, message: message.value };
    void submitInline(form, () =>
      sendJson('POST', `/api/status-pages/${encodeURIComponent(page.slug)}/incidents`, body),
    ).then((ok) => {
      if (ok !== undefined) reload();
    });
  });
  const list = element('ol', { class: 'incidents' });
  for (const incident of incidents) {
    const item = element('li', { class: 'incident', 'data-incident': incident.id });
    const heading = element('h3', {}, incident.title);
    heading.append(element('small', {}, ` ${incident.impact} · ${incident.status}`));
    const updates = element('ul');
    for (const u of incident.updates)
      updates.append(element('li', {}, `${new Date(u.at).toLocaleString()} — ${u.status}: ${u.message}`));
    item.append(heading, updates);
    if (incident.resolvedAt === null) item.append(updateForm(page, incident, reload));
    list.append(item);
  }
  container.replaceChildren(
    element('h2', { id: 'incidents-title', tabindex: '-1' }, `Incidents of “${page.title}”`),
    incidents.length === 0 ? element('p', { class: 'muted' }, 'No incident posted.') : list,
    form,
  );
  container.querySelector<HTMLElement>('#incidents-title')?.focus();
}
