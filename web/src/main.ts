import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, MetricsPush, ServerToClientEvents } from '../../src/realtime/events.js';
import { getJson, postJson, type AlertRow, type ChartResponse, type Summary } from './api.js';
import { BusinessPanel } from './business.js';
import { formatRatio, formatSeconds, formatSecondsAxis, formatValue } from './format.js';
import { LiveChart } from './live-chart.js';
import { publishAlertEvent, publishNotificationEvent, publishReconnect } from './live-events.js';
import { act } from './notice.js';
import {
  LoginRequired,
  SecondFactorRequired,
  accessToken,
  authorizedFetch,
  enrolmentRequired,
  login,
  logout,
  refresh,
  userLabel,
} from './session.js';
import { openTwoFactor } from './two-factor.js';
import { renderAlerts, renderBusiness, renderTiles } from './views.js';
import { matchersOf, mount as mountAlertTimeline } from './alert-timeline.js';
import { coalesce } from './coalesce.js';
import { newestGate } from './newest.js';
import { mount as mountExplore } from './explore.js';
import { mountReportPage } from './report-page.js';
import { Router } from './router.js';
import { unitOfRule, type RuleRow } from './rule-units.js';
import type { ServiceInfo } from './service-api.js';
import { mountServiceForm } from './service-form.js';
import { mountServicePage } from './service-page.js';
import { renderServiceTable } from './services-table.js';
import { mount as mountStatusAdmin } from './status-admin.js';
import { installThemeToggle } from './theme.js';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const origin = window.location.origin;
const charts = {
  system: new LiveChart($('chart-system'), formatRatio),
  traffic: new LiveChart($('chart-traffic'), (v) => formatValue(v, '')),
  latency: new LiveChart($('chart-latency'), formatSeconds, { axis: formatSecondsAxis }),
};
const business = new BusinessPanel($('business-kpis'), $('business-funnels'), $('chart-business'));
/** Rule id → the unit of its value, so an alert reads "83 %" or "1.2 s", not a raw ratio. */
let ruleUnits = new Map<string, string>();

function byName(
  response: ChartResponse,
  rename: Record<string, string> = {},
): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const s of response.series) {
    const label = Object.values(s.labels).join(' ');
    const name = (rename[s.name] ?? s.name) + (label === '' ? '' : ` ${label}`);
    out.set(name, s.points);
  }
  return out;
}

const SPANS: Record<string, number> = {
  '15m': 900_000,
  '1h': 3_600_000,
  '6h': 21_600_000,
  '24h': 86_400_000,
  '7d': 604_800_000,
};

const spanOf = (range: string): number => SPANS[range] ?? 3_600_000;

/** A range picked while the previous one's history is still on its way: the newest range is drawn. */
const nextHistory = newestGate();

async function loadHistory(range: string): Promise<void> {
  const isNewest = nextHistory();
  const span = spanOf(range);
  const [system, application] = await Promise.all(
    ['system', 'application'].map((type) =>
      getJson<ChartResponse>(`/api/dashboard/charts/${type}?range=${range}`),
    ),
  );
  if (!isNewest()) return;
  const systemSeries = byName(system!);
  const used = systemSeries.get('memory_used_bytes') ?? [];
  const total = new Map(systemSeries.get('memory_total_bytes') ?? []);
  const memory = used.map(([t, v]): [number, number] => [t, v / (total.get(t) ?? Number.NaN)]);
  charts.system.setHistory(
    new Map([
      ['CPU', systemSeries.get('cpu_usage_ratio') ?? []],
      ['Memory', memory],
    ]),
    span,
  );
  const app = byName(application!);
  charts.traffic.setHistory(
    new Map([
      ['Requests', app.get('requests_per_second') ?? []],
      ['5xx', app.get('errors_per_second') ?? []],
    ]),
    span,
  );
  charts.latency.setHistory(
    new Map([
      ['P50', app.get('latency_p50_seconds') ?? []],
      ['P95', app.get('latency_p95_seconds') ?? []],
      ['P99', app.get('latency_p99_seconds') ?? []],
    ]),
    span,
  );
  await business.load(range, span);
}

/**
 * Actions, socket events (coalesced) and the 15 s interval all reload the lists, unordered: only the
 * newest request's answers are rendered, an older one arriving later would show a state already gone.
 */
const nextLists = newestGate();

async function loadLists(): Promise<void> {
  const isNewest = nextLists();
  const [summary, services, alerts, realtime, rules] = await Promise.all([
    getJson<Summary>('/api/dashboard/summary'),
    getJson<{ services: ServiceInfo[] }>('/api/health/services?heartbeats=30'),
    getJson<{ alerts: AlertRow[] }>('/api/alerts?state=firing,pending'),
    getJson<{ business: { name: string }[] }>('/api/dashboard/realtime'),
    getJson<{ rules: RuleRow[] }>('/api/alerts/rules'),
  ]);
  if (!isNewest()) return;
  ruleUnits = new Map(rules.rules.map((r) => [r.id, unitOfRule(r.rule)]));
  renderTiles($('tiles'), summary);
  renderServiceTable($('services'), services.services, origin);
  renderAlerts(
    $('alerts'),
    alerts.alerts,
    (id, action) => {
      const alert = alerts.alerts.find((a) => a.id === id);
      if (action === 'silence' && alert !== undefined) {
        void act($('notice'), 'silence the alert', () =>
          postJson('/api/alerts/silences', {
            matchers: matchersOf(alert),
            endsAt: '2h',
            comment: `silenced from the dashboard: ${alert.ruleName}`,
          }),
        ).then(() => loadLists());
        return;
      }
      void act($('notice'), action === 'resolve' ? 'resolve the alert' : 'acknowledge the alert', () =>
        postJson(`/api/alerts/${id}/${action}`, {}),
      ).then(() => loadLists());
    },
    (ruleId) => ruleUnits.get(ruleId) ?? '',
  );
  renderBusiness($('business'), realtime.business, origin);
}

interface Family {
  name: string;
  type: string;
  series: Record<string, unknown>[];
}

function onPush(push: MetricsPush): void {
  if (push.type === 'system' && push.data !== null) {
    const data = push.data as { cpu: { usageRatio: number | null }; memory: { usedRatio: number } };
    charts.system.append(push.at, { CPU: data.cpu.usageRatio, Memory: data.memory.usedRatio });
  } else if (push.type === 'application') {
    const data = push.data as {
      requestsPerSecond: number | null;
      errorRatio: number | null;
      latencySeconds: Record<string, number | null>;
    };
    const rps = data.requestsPerSecond;
    charts.traffic.append(push.at, {
      Requests: rps,
      '5xx': rps === null || data.errorRatio === null ? null : rps * data.errorRatio,
    });
    charts.latency.append(push.at, {
      P50: data.latencySeconds.p50 ?? null,
      P95: data.latencySeconds.p95 ?? null,
      P99: data.latencySeconds.p99 ?? null,
    });
  } else if (push.type === 'business') {
    const families = push.data as Family[];
    // A family never seen before has no chart yet: reload the panel (its unit decides the chart).
    if (families.some((f) => !business.knows(f.name)))
      guarded(business.load(range.value, spanOf(range.value)));
    else business.push(push.at, families);
    renderBusiness($('business'), families, origin);
  }
}

function connect(): void {
  // A function, so every reconnection sends the current (refreshed) token.
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io({
    auth: (send) => {
      send({ token: accessToken() ?? '' });
    },
  });
  const live = $('live');
  // Refused at the handshake or cut by the server (token expired or revoked): refresh, or log in again.
  const renew = (): void => {
    void refresh().then((renewed) => {
      if (renewed) socket.connect();
      else showLogin('Your session has ended; log in again.');
    });
  };
  socket.on('connect_error', renew);
  let connectedBefore = false;
  socket.on('connect', () => {
    // Events sent while the socket was down are lost: views that follow them reload.
    if (connectedBefore) publishReconnect();
    connectedBefore = true;
    live.className = 'live on';
    live.textContent = 'live';
    for (const type of ['system', 'application', 'business']) socket.emit('subscribe', { type });
  });
  socket.on('disconnect', (reason) => {
    live.className = 'live off';
    live.textContent = 'offline';
    if (reason === 'io server disconnect') renew();
  });
  socket.on('metrics', onPush);
  socket.on('alert', (push) => {
    reloadLists();
    publishAlertEvent(push);
  });
  socket.on('notification', publishNotificationEvent);
  socket.on('health', reloadLists);
}

/** Socket events reload the lists, a burst of them once (see coalesce). */
const reloadLists = coalesce(async () => {
  try {
    await loadLists();
  } catch (error) {
    if (error instanceof LoginRequired) showLogin('Your session has ended; log in again.');
    else console.warn(error);
  }
});
const range = $('range') as HTMLSelectElement;
let started = false;

/** Every view but the overview has a hash URL; one line per view (the first pattern that fits wins). */
const router = new Router($('dashboard'), $('view'), (error) => {
  if (error instanceof LoginRequired) showLogin('Your session has ended; log in again.');
  else console.warn(error);
});
router.add('#/services/new', mountServiceForm);
router.add('#/services/:name/edit', mountServiceForm);
router.add('#/services/:name/report', mountReportPage);
router.add('#/services/:name', mountServicePage);
router.add('#/explore', ({ outlet, query }) => mountExplore(outlet, query));
router.add('#/alerts/:id', ({ outlet, params, query }) => {
  const withId = new URLSearchParams(query);
  withId.set('id', params.id ?? '');
  return mountAlertTimeline(outlet, withId);
});
router.add('#/status-pages', ({ outlet }) => mountStatusAdmin(outlet));

function showLogin(message = ''): void {
  $('dashboard').hidden = true;
  $('view').hidden = true;
  $('logout').hidden = true;
  $('login').hidden = false;
  $('login-error').textContent = message;
  $('login-user').focus();
}

/** Any call that finds the session over brings the login form back instead of an error. */
function guarded(work: Promise<void>): void {
  work.catch((error: unknown) => {
    if (error instanceof LoginRequired) showLogin('Your session has ended; log in again.');
    else console.warn(error);
  });
}

function start(): void {
  $('login').hidden = true;
  const label = userLabel();
  $('user').textContent = label ?? '';
  $('logout').hidden = label === undefined;
  $('security').hidden = label === undefined;
  // An enrol-only session (TOTP_REQUIRED_ROLES) sees nothing else until the second factor is on.
  if (enrolmentRequired()) {
    openTwoFactor('Your role requires two-factor authentication before anything else.');
    return;
  }
  $('dashboard').hidden = false;
  guarded(loadHistory(range.value));
  guarded(loadLists());
  if (started) {
    router.render();
    return;
  }
  started = true;
  router.start();
  range.addEventListener('change', () => {
    guarded(loadHistory(range.value));
  });
  setInterval(() => {
    if (!$('dashboard').hidden) guarded(loadLists());
  }, 15_000);
  connect();
}

$('login').addEventListener('submit', (event) => {
  event.preventDefault();
  const user = ($('login-user') as HTMLInputElement).value;
  const password = $('login-password') as HTMLInputElement;
  const code = $('login-code') as HTMLInputElement;
  const codeAsked = !$('login-code-row').hidden;
  void login(user, password.value, codeAsked ? code.value : undefined).then(
    () => {
      password.value = '';
      code.value = '';
      $('login-code-row').hidden = true;
      start();
    },
    (error: unknown) => {
      // The password was right and the account has TOTP: ask for the code, then log in again.
      if (error instanceof SecondFactorRequired) {
        $('login-code-row').hidden = false;
        code.required = true;
        code.focus();
      }
      $('login-error').textContent = (error as Error).message;
    },
  );
});
$('security').addEventListener('click', () => {
  openTwoFactor();
});
$('two-factor').addEventListener('close', () => {
  // Enrolled from an enrol-only session: the new session has every permission of the role.
  if (!enrolmentRequired() && $('dashboard').hidden && accessToken() !== undefined) start();
});
$('logout').addEventListener('click', () => {
  void logout().then(() => {
    window.location.reload();
  });
});

// /api/auth/me answers 200 without a token: { authenticated: false } asks for a login, and with
// authentication off it is the anonymous user, so no login is asked and no 401 is logged.
void authorizedFetch('/api/auth/me').then(
  async (response) => {
    const me = (await response.json()) as { authenticated?: boolean };
    if (response.ok && me.authenticated === true) start();
    else showLogin();
  },
  () => {
    showLogin();
  },
);

installThemeToggle($('theme-toggle') as HTMLButtonElement);

/** The header follows the view: its nav link marked current, the range picker on the overview only. */
function markCurrentView(): void {
  const path = window.location.hash.split('?')[0] ?? '';
  const overview = path === '' || path === '#' || path === '#/';
  for (const link of document.querySelectorAll<HTMLAnchorElement>('nav.views a'))
    if (link.getAttribute('href') === (overview ? '#/' : path)) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  $('range').closest('label')!.hidden = !overview;
}
window.addEventListener('hashchange', markCurrentView);
markCurrentView();
