import { getJson } from './api.js';
import { element, keepingFocus } from './dom.js';
import { formatAge, formatRatio, formatSeconds, formatSecondsAxis } from './format.js';
import { heartbeatBar } from './heartbeat-bar.js';
import { LiveChart } from './live-chart.js';
import { newestGate } from './newest.js';
import { act } from './notice.js';
import { hashOf, type RouteContext } from './router.js';
import {
  responseTimes,
  sendJson,
  servicePath,
  shownState,
  type Incident,
  type ServiceDetail,
  type WindowSummary,
} from './service-api.js';

const REFRESH_MS = 15_000;
const DAY_MS = 86_400_000;
const SPANS: [string, string, number][] = [
  ['1h', '1 hour', 3_600_000],
  ['6h', '6 hours', 21_600_000],
  ['24h', '24 hours', DAY_MS],
  ['7d', '7 days', 7 * DAY_MS],
  ['30d', '30 days', 30 * DAY_MS],
];

const notice = (): HTMLElement => document.getElementById('notice')!;
const when = (ms: number): string => new Date(ms).toLocaleString();

function card(title: string, ...children: Node[]): HTMLElement {
  const box = element('article', { class: 'card wide' });
  box.append(element('h2', {}, title), ...children);
  return box;
}

function windowsTable(windows: ServiceDetail['windows']): HTMLElement {
  const table = element('table', { class: 'windows' });
  const head = element('tr');
  for (const h of ['Window', 'Uptime', 'Checks', 'Average', 'P50', 'P95', 'P99'])
    head.append(element('th', { scope: 'col' }, h));
  table.append(head);
  const ms = (v: number | undefined): string => (v === undefined ? '–' : formatSeconds(v / 1000));
  for (const [label, w] of Object.entries<WindowSummary>(windows)) {
    const tr = element('tr', { 'data-window': label });
    tr.append(
      element('th', { scope: 'row' }, label),
      element('td', { class: 'uptime' }, w.uptimeRatio === null ? '–' : formatRatio(w.uptimeRatio)),
      element('td', {}, String(w.checks)),
      element('td', {}, ms(w.responseTimeMs?.avg)),
      element('td', {}, ms(w.responseTimeMs?.p50)),
      element('td', {}, ms(w.responseTimeMs?.p95)),
      element('td', {}, ms(w.responseTimeMs?.p99)),
    );
    table.append(tr);
  }
  return table;
}

function uptimeTiles(windows: ServiceDetail['windows']): HTMLElement {
  const tiles = element('section', { class: 'tiles', 'aria-label': 'Uptime' });
  for (const [label, w] of Object.entries<WindowSummary>(windows)) {
    const tile = element('div', { class: 'tile', id: `uptime-${label}` });
    tile.append(
      element('div', { class: 'label' }, `Uptime ${label}`),
      element('div', { class: 'value' }, w.uptimeRatio === null ? '–' : formatRatio(w.uptimeRatio)),
    );
    tiles.append(tile);
  }
  return tiles;
}

function certificate(service: ServiceDetail, now: number): HTMLElement {
  const expires = service.lastCheck?.tlsExpiresAt;
  if (expires === undefined)
    return element(
      'p',
      { id: 'certificate', class: 'muted' },
      'No certificate seen (not HTTPS, or not checked yet).',
    );
  const days = (expires - now) / DAY_MS;
  // One decimal, as the checker's DEGRADED reason says it ("expires in 10.0 days"): the two lines agree.
  const text =
    days < 0 ? `Expired on ${when(expires)}` : `Expires in ${days.toFixed(1)} days, on ${when(expires)}`;
  return element('p', { id: 'certificate', class: days < 14 ? 'warn' : '' }, `Certificate: ${text}`);
}

function incidentsTable(incidents: readonly Incident[], now: number): HTMLElement {
  if (incidents.length === 0)
    return element('p', { class: 'muted', id: 'incidents' }, 'No incident in the last 30 days.');
  const table = element('table', { id: 'incidents' });
  const head = element('tr');
  for (const h of ['Started', 'Ended', 'Duration', 'State', 'Reason'])
    head.append(element('th', { scope: 'col' }, h));
  table.append(head);
  for (const incident of incidents) {
    const tr = element('tr', { class: 'incident' });
    const state = element('td');
    state.append(element('span', { class: `badge ${incident.state}` }, incident.state.toUpperCase()));
    tr.append(
      element('td', {}, when(incident.start)),
      element('td', {}, incident.end === null ? 'ongoing' : when(incident.end)),
      element('td', {}, formatAge(incident.end === null ? now - incident.start : incident.durationMs)),
      state,
      element(
        'td',
        { class: 'reason' },
        incident.reason === null ? '' : `${incident.reason.code}: ${incident.reason.message}`,
      ),
    );
    table.append(tr);
  }
  return table;
}

function actions(service: ServiceDetail, reload: () => void): HTMLElement {
  const bar = element('div', { class: 'actions' });
  const path = servicePath(service.name);
  const button = (label: string, id: string, run: () => Promise<unknown>): HTMLButtonElement => {
    const b = element('button', { type: 'button', id }, label);
    // Busy, not disabled: a disabled button drops the keyboard focus, and the redraw would not find it.
    b.addEventListener('click', () => {
      if (b.getAttribute('aria-busy') === 'true') return;
      b.setAttribute('aria-busy', 'true');
      void run().finally(() => {
        b.removeAttribute('aria-busy');
      });
    });
    return b;
  };
  const readOnly = service.origin === 'file';
  bar.append(
    button('Check now', 'check-now', async () => {
      if (
        await act(notice(), 'check the service', () =>
          sendJson('POST', '/api/health/check', { name: service.name }),
        )
      )
        reload();
    }),
  );
  if (!readOnly) {
    bar.append(
      button(service.paused ? 'Resume' : 'Pause', 'pause-resume', async () => {
        const verb = service.paused ? 'resume' : 'pause';
        if (await act(notice(), `${verb} the service`, () => sendJson('POST', `${path}/${verb}`))) reload();
      }),
      element('a', { class: 'button', href: `${hashOf('services', service.name)}/edit`, id: 'edit' }, 'Edit'),
      button('Delete', 'delete', async () => {
        if (!window.confirm(`Delete ${service.name} and its history?`)) return;
        if (await act(notice(), 'delete the service', () => sendJson('DELETE', path)))
          window.location.hash = '#/';
      }),
    );
  }
  bar.append(
    element(
      'a',
      { class: 'button', href: `${hashOf('services', service.name)}/report`, id: 'report' },
      'Monthly report',
    ),
  );
  return bar;
}

function chartCard(name: string, chart: { current?: LiveChart }): HTMLElement {
  const select = element('select', { id: 'response-span', 'aria-label': 'Response time window' });
  for (const [value, label] of SPANS) select.append(element('option', { value }, label));
  select.value = '24h';
  const box = element('div', { class: 'chart', id: 'response-chart' });
  // Windows picked in a row: the last one picked is drawn, whichever answer comes last.
  const nextDraw = newestGate();
  const draw = async (): Promise<void> => {
    const isNewest = nextDraw();
    const span = SPANS.find(([value]) => value === select.value)?.[2] ?? DAY_MS;
    const points = await responseTimes(name, span);
    if (!isNewest()) return;
    chart.current ??= new LiveChart(box, formatSeconds, { axis: formatSecondsAxis });
    chart.current.setHistory(new Map([['Response time', points]]), span);
  };
  select.addEventListener('change', () => {
    void draw().catch((error: unknown) => {
      console.warn(error);
    });
  });
  void draw().catch((error: unknown) => {
    console.warn(error);
  });
  const title = element('h2', {}, 'Response time ');
  const label = element('label', {}, 'over ');
  label.append(select);
  title.append(label);
  const article = element('article', { class: 'card wide' });
  article.append(title, box);
  return article;
}

/** `#/services/<name>`: one service's uptime, percentiles, checks, incidents and controls. */
export async function mountServicePage({ outlet, params }: RouteContext): Promise<() => void> {
  const name = params.name ?? '';
  const chart: { current?: LiveChart } = {};
  const view = element('main', { class: 'service-page', id: 'service-page', 'data-service': name });
  const live = element('div');
  outlet.replaceChildren(view);
  // The 30 s refresh and the reload after an action may cross: the newest request's answer is shown.
  const nextDraw = newestGate();
  const draw = async (): Promise<void> => {
    const isNewest = nextDraw();
    let service: ServiceDetail;
    try {
      service = await getJson<ServiceDetail>(servicePath(name));
    } catch (error) {
      if (!isNewest()) return;
      view.replaceChildren(
        element('h2', {}, `No service "${name}"`),
        element('p', { class: 'muted' }, (error as Error).message),
        element('a', { href: '#/' }, 'Back to the overview'),
      );
      return;
    }
    if (!isNewest()) return;
    const now = Date.now();
    const state = shownState(service);
    const header = element('header', { class: 'page-head' });
    const title = element('h2', {}, service.name);
    title.append(element('span', { class: `badge ${state}`, id: 'service-state' }, state.toUpperCase()));
    const facts = element(
      'p',
      { class: 'muted' },
      `${service.type.toUpperCase()} ${service.url} · every ${formatSeconds(service.interval / 1000)} · ${state} for ${formatAge(now - service.since)}`,
    );
    for (const tag of service.tags) facts.append(element('span', { class: 'tag' }, tag));
    if (service.group !== null) facts.append(element('span', { class: 'tag group' }, service.group));
    header.append(
      element('a', { href: '#/', class: 'back' }, '← Overview'),
      title,
      facts,
      actions(service, () => void draw()),
    );
    if (service.reason !== null && service.state !== 'up')
      header.append(
        element(
          'p',
          { class: 'reason', id: 'service-reason' },
          `${service.reason.code}: ${service.reason.message}`,
        ),
      );
    const beats = card('Last checks', heartbeatBar(service.heartbeats, 30));
    beats.append(certificate(service, now));
    keepingFocus(() => {
      live.replaceChildren(
        header,
        uptimeTiles(service.windows),
        beats,
        card('Uptime and response time', windowsTable(service.windows)),
        card('Incidents (30 days)', incidentsTable(service.incidents, now)),
      );
    });
    if (!view.contains(live)) view.append(live, chartCard(name, chart));
  };
  await draw();
  const timer = setInterval(() => void draw(), REFRESH_MS);
  return () => {
    clearInterval(timer);
    chart.current?.destroy();
  };
}
