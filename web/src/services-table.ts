import { element, keepingFocus } from './dom.js';
import { formatRatio, formatSeconds } from './format.js';
import { heartbeatBar, sparkline } from './heartbeat-bar.js';
import { hashOf } from './router.js';
import { shownState, type ServiceInfo } from './service-api.js';

/** The filter typed above the table; kept across the list's refreshes (every 15 s and on each change). */
const filter = { text: '', state: '' };

function matches(s: ServiceInfo): boolean {
  if (filter.state !== '' && shownState(s) !== filter.state) return false;
  if (filter.text === '') return true;
  const needle = filter.text.toLowerCase();
  return [s.name, s.url, s.group ?? '', ...s.tags].some((text) => text.toLowerCase().includes(needle));
}

/** The table on the page now: the filter re-applies to it without rebuilding anything. */
let current: { services: ServiceInfo[]; rows: HTMLTableRowElement[]; groups: HTMLTableRowElement[] } = {
  services: [],
  rows: [],
  groups: [],
};

/** Shows or hides rows in place (no rebuild), so a keystroke costs one pass over the rows. */
function applyFilter(): void {
  let shown = 0;
  const visibleGroups = new Set<string>();
  current.services.forEach((s, i) => {
    const row = current.rows[i]!;
    const hide = !matches(s);
    // Only rows that change are touched: each write to `hidden` costs a style recalculation.
    if (row.hidden !== hide) row.hidden = hide;
    if (!hide) {
      shown++;
      visibleGroups.add(s.group ?? '');
    }
  });
  for (const head of current.groups) {
    const hide = !visibleGroups.has(head.dataset.group ?? '');
    if (head.hidden !== hide) head.hidden = hide;
  }
  const count = document.getElementById('service-count');
  if (count !== null) count.textContent = `${String(shown)} of ${String(current.services.length)}`;
}

/** A tag chip's click: the filter box takes the tag. */
function filterBy(text: string): void {
  filter.text = text;
  const box = document.getElementById('service-filter') as HTMLInputElement | null;
  if (box !== null) box.value = text;
  applyFilter();
}

function controls(onChange: () => void): HTMLElement {
  const bar = element('div', { class: 'table-controls' });
  const search = element('input', {
    type: 'search',
    id: 'service-filter',
    placeholder: 'Filter by name, URL, tag, group',
    'aria-label': 'Filter services',
  });
  search.value = filter.text;
  search.addEventListener('input', () => {
    filter.text = search.value.trim();
    onChange();
  });
  const state = element('select', { id: 'service-state-filter', 'aria-label': 'Only services in state' });
  for (const [value, label] of [
    ['', 'Any state'],
    ['up', 'Up'],
    ['degraded', 'Degraded'],
    ['down', 'Down'],
    ['unknown', 'Unknown'],
    ['paused', 'Paused'],
  ] as const)
    state.append(element('option', { value }, label));
  state.value = filter.state;
  state.addEventListener('change', () => {
    filter.state = state.value;
    onChange();
  });
  const add = element('a', { href: '#/services/new', class: 'button', id: 'add-service' }, 'Add monitor');
  bar.append(search, state, element('span', { class: 'muted', id: 'service-count' }), add);
  return bar;
}

function row(s: ServiceInfo, index: number): HTMLTableRowElement {
  const tr = element('tr', { 'data-service': s.name, 'data-index': String(index) });
  const name = element('td', { class: 'service-name' });
  name.append(
    element('a', { href: hashOf('services', s.name), title: s.url, id: `service-link-${s.name}` }, s.name),
  );
  for (const tag of s.tags) {
    const chip = element(
      'button',
      { type: 'button', class: 'tag', title: `Only services tagged ${tag}` },
      tag,
    );
    chip.addEventListener('click', () => {
      filterBy(tag);
    });
    name.append(chip);
  }
  const state = shownState(s);
  const badge = element('td');
  badge.append(
    element('span', { class: `badge ${state}`, title: s.reason?.message ?? '' }, state.toUpperCase()),
  );
  const beats = element('td', { class: 'beats-cell' });
  beats.append(heartbeatBar(s.heartbeats ?? []));
  const response = element('td', { class: 'response' });
  response.append(
    sparkline(s.heartbeats ?? []),
    element('span', {}, s.lastCheck === null ? '–' : formatSeconds(s.lastCheck.durationMs / 1000)),
  );
  tr.append(
    name,
    badge,
    beats,
    response,
    element('td', {}, s.uptime24h === null ? '–' : formatRatio(s.uptime24h)),
    element(
      'td',
      { class: 'reason' },
      s.state === 'up' || s.reason === null ? '' : `${s.reason.code}: ${s.reason.message}`,
    ),
  );
  return tr;
}

/**
 * The overview's services: a filter, then one row per service (grouped when groups are set) with its
 * state, heartbeat bar, response-time sparkline, 24 h uptime and the reason it is down. Names link to the
 * service page.
 */
export function renderServiceTable(
  target: HTMLElement,
  services: readonly ServiceInfo[],
  origin: string,
): void {
  const started = performance.now();
  if (services.length === 0) {
    const box = element('div', { class: 'empty' }, 'No service watched yet. ');
    box.append(
      element('a', { href: '#/services/new', id: 'add-service' }, 'Add a monitor'),
      document.createTextNode(', or register one with the API and it is checked at once:'),
      element(
        'code',
        {},
        `curl -X POST ${origin}/api/health/services -H 'Content-Type: application/json' -d '{"name":"api","url":"https://example.com/health","interval":30000}'`,
      ),
    );
    target.replaceChildren(box);
    return;
  }
  const ordered = [...services].sort(
    (a, b) => (a.group ?? '').localeCompare(b.group ?? '') || a.name.localeCompare(b.name),
  );
  const table = element('table', { class: 'services-table' });
  const head = element('tr');
  for (const h of ['Service', 'State', 'Last checks', 'Response', 'Uptime 24 h', 'Reason'])
    head.append(element('th', { scope: 'col' }, h));
  const thead = element('thead');
  thead.append(head);
  const body = element('tbody');
  table.append(thead, body);
  const grouped = ordered.some((s) => s.group !== null);
  const rows: HTMLTableRowElement[] = [];
  const groups: HTMLTableRowElement[] = [];
  let group: string | undefined;
  ordered.forEach((s, i) => {
    if (grouped && (s.group ?? '') !== group) {
      group = s.group ?? '';
      const heading = element('tr', { class: 'group', 'data-group': group });
      heading.append(element('th', { colspan: '6', scope: 'rowgroup' }, group === '' ? 'No group' : group));
      groups.push(heading);
      body.append(heading);
    }
    const tr = row(s, i);
    rows.push(tr);
    body.append(tr);
  });
  current = { services: ordered, rows, groups };
  const wrap = element('div', { class: 'table-wrap' });
  wrap.append(table);
  // The filter controls stay (focus, caret and typed text survive the refresh every 15 s).
  const bar = target.querySelector(':scope > .table-controls');
  const shown = target.querySelector(':scope > .table-wrap');
  keepingFocus(() => {
    if (bar !== null && shown !== null) shown.replaceWith(wrap);
    else target.replaceChildren(controls(applyFilter), wrap);
  });
  applyFilter();
  // Read by the e2e suite's 500-service timing (and shown in the browser's performance panel).
  performance.measure('services-table', { start: started });
}
