import type { AlertRow, Summary } from './api.js';
import { element } from './dom.js';
import { formatAge, formatSeconds, formatValue } from './format.js';

const ratio = (v: number | null): string => formatValue(v, 'ratio');
const number = (v: number | null): string => formatValue(v, '');

function empty(message: string, example: string): HTMLElement {
  const box = element('div', { class: 'empty' }, message);
  box.append(element('code', {}, example));
  return box;
}

export function renderTiles(target: HTMLElement, s: Summary): void {
  const tiles: [string, string, string][] = [
    ['CPU', ratio(s.cpuUsageRatio), 'tile-cpu'],
    ['Memory', ratio(s.memoryUsedRatio), 'tile-memory'],
    ['Requests/s', number(s.requestsPerSecond), 'tile-rps'],
    ['Errors', ratio(s.errorRatio), 'tile-errors'],
    ['P95 latency', s.latencyP95Seconds === null ? '–' : formatSeconds(s.latencyP95Seconds), 'tile-p95'],
    ['Services up', `${String(s.services.up)} / ${String(s.services.total)}`, 'tile-services'],
    ['Firing alerts', String(s.alerts.firing), 'tile-alerts'],
  ];
  target.replaceChildren(
    ...tiles.map(([label, value, id]) => {
      const tile = element('div', { class: 'tile', id });
      tile.append(element('div', { class: 'label' }, label), element('div', { class: 'value' }, value));
      return tile;
    }),
  );
}

export function renderAlerts(
  target: HTMLElement,
  alerts: readonly AlertRow[],
  act: (id: string, action: 'acknowledge' | 'resolve' | 'silence') => void,
  unitOfRule: (ruleId: string) => string = () => '',
  now = Date.now(),
): void {
  if (alerts.length === 0) {
    target.replaceChildren(
      empty(
        "Nothing firing. Rules are evaluated as samples arrive; the seed's six rules are on. Add one:",
        'POST /api/alerts/rules {"name":"High Error Rate","metricName":"http_requests_total","condition":">","threshold":0.05}',
      ),
    );
    return;
  }
  target.replaceChildren(
    ...alerts.map((a) => {
      const row = element('div', { class: 'alert', 'data-alert': a.id });
      row.append(
        element(
          'span',
          { class: `badge ${a.state === 'firing' ? a.severity : 'pending'}` },
          a.state === 'firing' ? a.severity : 'pending',
        ),
        element('a', { class: 'name', href: `#/alerts/${encodeURIComponent(a.id)}` }, a.ruleName),
        element(
          'span',
          { class: 'value', title: 'Current value' },
          formatValue(a.value, unitOfRule(a.ruleId)),
        ),
        element(
          'span',
          { class: 'age', title: a.state === 'firing' ? 'Firing for' : 'Pending for' },
          formatAge(now - Date.parse(a.timeline.firedAt ?? a.timeline.pendingAt)),
        ),
      );
      if (a.state === 'firing' && !a.acknowledged) {
        const ack = element('button', { 'data-action': 'acknowledge' }, 'Acknowledge');
        ack.addEventListener('click', () => {
          act(a.id, 'acknowledge');
        });
        row.append(ack);
      } else if (a.acknowledged) row.append(element('span', { class: 'badge info' }, 'acknowledged'));
      const resolve = element('button', { 'data-action': 'resolve' }, 'Resolve');
      resolve.addEventListener('click', () => {
        act(a.id, 'resolve');
      });
      row.append(resolve);
      if (a.silencedBy === null) {
        const silence = element(
          'button',
          { 'data-action': 'silence', title: 'Silence this alert for 2 hours' },
          'Silence 2 h',
        );
        silence.addEventListener('click', () => {
          act(a.id, 'silence');
        });
        row.append(silence);
      } else row.append(element('span', { class: 'badge info', title: a.silencedBy }, 'silenced'));
      const labels = Object.entries(a.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' ');
      row.append(element('div', { class: 'summary' }, a.annotations.summary ?? labels));
      return row;
    }),
  );
}

export function renderBusiness(
  target: HTMLElement,
  families: readonly { name: string }[],
  origin: string,
): void {
  if (families.length > 0) {
    target.replaceChildren();
    return;
  }
  target.replaceChildren(
    empty(
      'No business metric yet. Push your first one:',
      `curl -X POST ${origin}/api/metrics/business -H 'Content-Type: application/json' -d '{"name":"bookings_total","type":"counter","value":1}'`,
    ),
  );
}
