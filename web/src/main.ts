import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, MetricsPush, ServerToClientEvents } from '../../src/realtime/events.js';
import {
  getJson,
  postJson,
  type AlertRow,
  type ChartResponse,
  type ServiceRow,
  type Summary,
} from './api.js';
import { LiveChart } from './live-chart.js';
import { LoginRequired, accessToken, authorizedFetch, login, logout, refresh, userLabel } from './session.js';
import { renderAlerts, renderBusiness, renderServices, renderTiles } from './views.js';

const $ = (id: string): HTMLElement => document.getElementById(id)!;
const origin = window.location.origin;
const percent = (v: number): string => `${(v * 100).toFixed(0)} %`;
const charts = {
  system: new LiveChart($('chart-system'), percent),
  traffic: new LiveChart($('chart-traffic')),
  latency: new LiveChart($('chart-latency'), (v) => `${(v * 1000).toFixed(0)} ms`),
  business: new LiveChart($('chart-business')),
};
/** Counter totals seen in the previous business push, to show rates live like the history does. */
let lastTotals = new Map<string, { t: number; total: number }>();

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

async function loadHistory(range: string): Promise<void> {
  const span = SPANS[range] ?? 3_600_000;
  const [system, application, business] = await Promise.all(
    ['system', 'application', 'business'].map((type) =>
      getJson<ChartResponse>(`/api/dashboard/charts/${type}?range=${range}`),
    ),
  );
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
  charts.business.setHistory(byName(business!), span);
  lastTotals = new Map();
}

async function loadLists(): Promise<void> {
  const [summary, services, alerts, realtime] = await Promise.all([
    getJson<Summary>('/api/dashboard/summary'),
    getJson<{ services: ServiceRow[] }>('/api/health/services'),
    getJson<{ alerts: AlertRow[] }>('/api/alerts?state=firing,pending'),
    getJson<{ business: { name: string }[] }>('/api/dashboard/realtime'),
  ]);
  renderTiles($('tiles'), summary);
  renderServices($('services'), services.services, origin);
  renderAlerts($('alerts'), alerts.alerts, (id, action) => {
    void postJson(`/api/alerts/${id}/${action}`, {}).then(async (response) => {
      if (!response.ok) {
        const problem = (await response.json()) as { detail?: string };
        window.alert(problem.detail ?? `could not ${action}`);
      }
      await loadLists();
    });
  });
  renderBusiness($('business'), realtime.business, origin);
}

/** A sample value as the service writes it: a number, or "NaN", "+Inf", "-Inf" (ADR 0008). */
type SampleValue = number | 'NaN' | '+Inf' | '-Inf';
const sampleNumber = (v: SampleValue): number =>
  typeof v === 'number' ? v : v === 'NaN' ? Number.NaN : v === '+Inf' ? Infinity : -Infinity;

interface Family {
  name: string;
  type: string;
  series: { value?: SampleValue; count?: SampleValue }[];
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
    const values: Record<string, number | null> = {};
    for (const family of push.data as Family[]) {
      const total = family.series.reduce((sum, s) => sum + sampleNumber(s.value ?? s.count ?? 0), 0);
      // A NaN or an infinity is a gap on the chart, as in Grafana.
      if (family.type === 'gauge') values[family.name] = Number.isFinite(total) ? total : null;
      else {
        const previous = lastTotals.get(family.name);
        const rate =
          previous === undefined || push.at <= previous.t
            ? null
            : (total - previous.total) / ((push.at - previous.t) / 1000);
        values[family.name] = rate !== null && Number.isFinite(rate) ? rate : null;
        lastTotals.set(family.name, { t: push.at, total });
      }
    }
    charts.business.append(push.at, values);
    renderBusiness($('business'), push.data as Family[], origin);
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
  socket.on('connect', () => {
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
  socket.on('alert', () => void loadLists());
  socket.on('health', () => void loadLists());
}

const range = $('range') as HTMLSelectElement;
let started = false;

function showLogin(message = ''): void {
  $('dashboard').hidden = true;
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
  $('dashboard').hidden = false;
  const label = userLabel();
  $('user').textContent = label ?? '';
  $('logout').hidden = label === undefined;
  guarded(loadHistory(range.value));
  guarded(loadLists());
  if (started) return;
  started = true;
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
  void login(user, password.value).then(
    () => {
      password.value = '';
      start();
    },
    (error: unknown) => {
      $('login-error').textContent = (error as Error).message;
    },
  );
});
$('logout').addEventListener('click', () => {
  void logout().then(() => {
    window.location.reload();
  });
});

// With authentication off the service answers /api/auth/me without a token, and no login is asked.
void authorizedFetch('/api/auth/me').then(
  () => {
    start();
  },
  () => {
    showLogin();
  },
);
