import { getJson } from './api.js';
import { element } from './dom.js';
import { submitInline } from './form-problems.js';
import { mountIncidents } from './status-incidents.js';
import { mountMaintenance } from './status-maintenance.js';
import { button, field, input, sendJson } from './ui-fields.js';
import { newestGate } from './newest.js';

export interface StatusPage {
  slug: string;
  title: string;
  description: string;
  services: { name: string; publicName: string }[];
}

/** The page form: title, slug, description, and which watched services it shows under which public name. */
function pageForm(
  page: StatusPage | undefined,
  watched: readonly string[],
  done: () => void,
): HTMLFormElement {
  const form = element('form', {
    class: 'stack',
    id: 'page-form',
    'aria-label': page === undefined ? 'New status page' : `Edit ${page.title}`,
  });
  const title = input(page?.title ?? '', { id: 'page-title', required: '' });
  const slug = input(page?.slug ?? '', { id: 'page-slug', placeholder: 'acme' });
  if (page !== undefined) slug.readOnly = true; // the slug is the page's address
  const description = element('textarea', { id: 'page-description', rows: '2' });
  description.value = page?.description ?? '';
  const services = element('fieldset', { id: 'page-services' });
  services.append(element('legend', {}, 'Services shown (public name)'));
  const rows = watched.map((name) => {
    const shown = page?.services.find((s) => s.name === name);
    const check = element('input', {
      type: 'checkbox',
      id: `page-service-${name}`,
      'aria-label': `Show ${name}`,
    });
    check.checked = shown !== undefined;
    const publicName = input(shown?.publicName ?? name, { 'aria-label': `Public name of ${name}` });
    const row = element('div', { class: 'row' });
    row.append(check, element('span', { class: 'service-name' }, name), publicName);
    services.append(row);
    return { name, check, publicName };
  });
  if (watched.length === 0) services.append(element('p', { class: 'muted' }, 'No service is watched yet.'));
  const save = element(
    'button',
    { type: 'submit', class: 'primary' },
    page === undefined ? 'Create page' : 'Save page',
  );
  const cancel = button('Cancel');
  cancel.addEventListener('click', done);
  const buttons = element('div', { class: 'row' });
  buttons.append(save, cancel);
  form.append(
    element('h3', {}, page === undefined ? 'New status page' : `Edit “${page.title}”`),
    field('Title', title, 'title'),
    field('Slug (address /status/<slug>)', slug, 'slug'),
    field('Description', description, 'description'),
    services,
    buttons,
  );
  services.dataset.field = 'services';
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const chosen = rows.filter((r) => r.check.checked);
    // Each chosen service's public-name box answers for services.<i> in the API's messages.
    chosen.forEach((r, i) => (r.publicName.dataset.field = `services.${String(i)}`));
    const body = {
      slug: slug.value.trim(),
      title: title.value,
      description: description.value,
      services: chosen.map((r) => ({ name: r.name, publicName: r.publicName.value })),
    };
    void submitInline(form, () =>
      page === undefined
        ? sendJson('POST', '/api/status-pages', body)
        : sendJson('PUT', `/api/status-pages/${encodeURIComponent(page.slug)}`, body),
    ).then((ok) => {
      if (ok !== undefined) done();
    });
  });
  return form;
}

/** #/status-pages: every status page, its form, its incidents, and the maintenance windows. */
export function mount(container: HTMLElement): () => void {
  const pagesCard = element('section', { class: 'card', 'aria-labelledby': 'pages-title' });
  const editor = element('section', { class: 'card', id: 'page-editor' });
  editor.hidden = true;
  const incidents = element('section', { class: 'card', id: 'incidents-card' });
  incidents.hidden = true;
  const maintenance = element('section', {
    class: 'card',
    id: 'maintenance-card',
    'aria-labelledby': 'maintenance-heading',
  });
  container.replaceChildren(pagesCard, editor, incidents, maintenance);
  let watched: string[] = [];

  const edit = (page: StatusPage | undefined): void => {
    editor.hidden = false;
    editor.replaceChildren(
      pageForm(page, watched, () => {
        editor.hidden = true;
        void load();
      }),
    );
    editor.querySelector<HTMLElement>('input')?.focus();
  };

  // Each save or cancel in the editor reloads: the newest reload's answer is the one shown.
  const nextLoad = newestGate();
  async function load(): Promise<void> {
    const isNewest = nextLoad();
    const [pages, services] = await Promise.all([
      getJson<{ pages: StatusPage[] }>('/api/status-pages'),
      getJson<{ services: { name: string }[] }>('/api/health/services'),
    ]);
    if (!isNewest()) return;
    watched = services.services.map((s) => s.name);
    const create = button('New status page', { id: 'page-new', class: 'primary' });
    create.addEventListener('click', () => {
      edit(undefined);
    });
    const table = element('table', { id: 'pages' });
    const head = element('tr');
    for (const h of ['Title', 'Address', 'Services', 'Actions'])
      head.append(element('th', { scope: 'col' }, h));
    table.append(head);
    for (const page of pages.pages) {
      const row = element('tr', { 'data-page': page.slug });
      const link = element('a', { href: `/status/${page.slug}` }, `/status/${page.slug}`);
      const linkCell = element('td');
      linkCell.append(link);
      const actions = element('td', { class: 'row' });
      const editButton = button('Edit', { 'data-action': 'edit', 'aria-label': `Edit ${page.title}` });
      editButton.addEventListener('click', () => {
        edit(page);
      });
      const incidentsButton = button('Incidents', {
        'data-action': 'incidents',
        'aria-label': `Incidents of ${page.title}`,
      });
      incidentsButton.addEventListener('click', () => {
        incidents.hidden = false;
        void mountIncidents(incidents, page);
      });
      actions.append(editButton, incidentsButton);
      row.append(
        element('td', {}, page.title),
        linkCell,
        element('td', {}, String(page.services.length)),
        actions,
      );
      table.append(row);
    }
    const body =
      pages.pages.length === 0 ? element('p', { class: 'empty' }, 'No status page yet: create one.') : table;
    pagesCard.replaceChildren(element('h2', { id: 'pages-title' }, 'Status pages'), create, body);
    await mountMaintenance(maintenance, watched);
  }
  void load();
  return () => undefined;
}
