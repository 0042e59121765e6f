import { getJson, postJson, type AlertRow } from './api.js';
import { element } from './dom.js';
import { formatAge, formatValue } from './format.js';
import { coalesce } from './coalesce.js';
import { alertIdOf, onAlertEvent, onNotificationEvent, onReconnect } from './live-events.js';
import { act } from './notice.js';
import { unitOfRule, type RuleRow } from './rule-units.js';
import { openSilenceDialog } from './silence-dialog.js';

interface TimelineEvent {
  at: string;
  kind: string;
  summary: string;
  actor: string | null;
  requestId: string | null;
  notification: {
    event: string;
    channel: string;
    status: string;
    attempts: number;
    deliveredAt: string | null;
    lastError: string | null;
  } | null;
}

interface Timeline {
  alert: AlertRow & { timeline: { resolvedAt: string | null } };
  events: TimelineEvent[];
}

/** Matchers for exactly this alert: its rule name and each of its labels, values quoted as PromQL strings. */
export function matchersOf(alert: Pick<AlertRow, 'ruleName' | 'labels'>): string[] {
  const quote = (v: string): string => JSON.stringify(v);
  return [
    `alertname=${quote(alert.ruleName)}`,
    ...Object.entries(alert.labels)
      .filter(([k]) => /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(k) && k !== 'alertname')
      .map(([k, v]) => `${k}=${quote(v)}`),
  ].slice(0, 20);
}

const time = (iso: string): string => new Date(iso).toLocaleString();

function eventItem(event: TimelineEvent, previous: number | undefined): HTMLLIElement {
  const at = Date.parse(event.at);
  const item = element('li', { class: `event ${event.kind}`, 'data-kind': event.kind });
  const when = element('time', { datetime: event.at }, time(event.at));
  const after = previous === undefined ? '' : ` (+${formatAge(at - previous)})`;
  item.append(
    when,
    element('span', { class: 'muted' }, after),
    element('span', { class: `badge ${event.kind}` }, event.kind),
  );
  item.append(element('p', { class: 'summary' }, event.summary));
  const n = event.notification;
  if (n !== null) {
    const facts = element('dl', { class: 'facts' });
    const fact = (term: string, value: string, cls = ''): void => {
      facts.append(element('dt', {}, term), element('dd', cls === '' ? {} : { class: cls }, value));
    };
    fact('Channel', n.channel);
    fact('Status', n.status, `status-${n.status}`);
    fact('Attempts', String(n.attempts));
    if (n.deliveredAt !== null) fact('Delivered', time(n.deliveredAt));
    if (n.lastError !== null) fact('Last error', n.lastError, 'error-text');
    item.append(facts);
  }
  if (event.requestId !== null)
    item.append(element('p', { class: 'muted small' }, `request ${event.requestId}`));
  return item;
}

/**
 * The page of one alert (#/alerts/<id>): what happened to it, in order, and the actions on it. It stays live:
 * an `alert` socket event about this alert (pending, fired, acknowledged, resolved) reloads it, a burst of
 * them once (coalesce), and so does a `notification` event for it (a delivery delivered, failed or expired);
 * events about other alerts cost nothing. No polling: a retry still pending changes nothing worth a request.
 */
export function mount(container: HTMLElement, params: URLSearchParams): () => void {
  const id = params.get('id') ?? '';
  const notice = element('div', { class: 'notices', 'aria-live': 'assertive' });
  notice.hidden = true; // shown by the first problem or confirmation
  const card = element('section', { class: 'card timeline-page' });
  // Says what a live reload added, for screen readers (the list itself is not a live region).
  const update = element('p', { class: 'visually-hidden', role: 'status', id: 'alert-timeline-update' });
  container.replaceChildren(notice, card, update);
  let closed = false;
  const left = (): boolean => closed;
  let shownEvents: number | undefined;
  /** The unit of the alert's value (from its rule), asked once: "97 %", not "0.97". */
  let unit: Promise<string> | undefined;
  const unitOf = (ruleId: string): Promise<string> =>
    (unit ??= getJson<{ rules: RuleRow[] }>('/api/alerts/rules').then(
      (list) => {
        const row = list.rules.find((r) => r.id === ruleId);
        return row === undefined ? '' : unitOfRule(row.rule);
      },
      () => '',
    ));

  const load = async (): Promise<void> => {
    if (left()) return; // a reload queued before the view was left
    let data: Timeline;
    try {
      data = await getJson<Timeline>(`/api/alerts/${encodeURIComponent(id)}/timeline`);
    } catch (e) {
      if (closed) return;
      card.replaceChildren(
        element('h2', {}, 'Alert'),
        element('p', { class: 'error-text', role: 'alert' }, (e as Error).message),
      );
      return;
    }
    const valueUnit = await unitOf(data.alert.ruleId);
    if (closed) return;
    render(data, valueUnit);
    if (shownEvents !== undefined && data.events.length > shownEvents)
      update.textContent = `Updated: ${data.events
        .slice(shownEvents)
        .map((e) => e.kind)
        .join(', ')}.`;
    shownEvents = data.events.length;
  };
  const reload = coalesce(load);

  const render = (data: Timeline, valueUnit: string): void => {
    const a = data.alert;
    const heading = element('h2', { id: 'alert-title', tabindex: '-1' }, a.ruleName);
    const head = element('div', { class: 'row' });
    head.append(
      element('span', { class: `badge ${a.state === 'firing' ? a.severity : a.state}` }, a.state),
      element('span', { class: 'muted' }, `severity ${a.severity}`),
      element('span', { class: 'muted' }, `value ${formatValue(a.value, valueUnit)}`),
    );
    const labels = element(
      'p',
      { class: 'muted labels' },
      Object.entries(a.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(' '),
    );
    const actions = element('div', { class: 'row' });
    const back = element('a', { href: '#/', id: 'alert-back' }, '← Overview');
    actions.append(back);
    if (a.state === 'firing' && !a.acknowledged) {
      const ack = element(
        'button',
        { type: 'button', id: 'alert-acknowledge', 'data-action': 'acknowledge' },
        'Acknowledge',
      );
      ack.addEventListener('click', () => {
        void act(notice, 'acknowledge the alert', () =>
          postJson(`/api/alerts/${encodeURIComponent(id)}/acknowledge`, {}),
        ).then(() => {
          reload();
        });
      });
      actions.append(ack);
    }
    const silence = element(
      'button',
      { type: 'button', id: 'alert-silence-like', 'data-action': 'silence-like' },
      'Silence like this…',
    );
    silence.addEventListener('click', () => {
      const dialog = openSilenceDialog(matchersOf(a), `like alert ${a.ruleName}`, () => {
        notice.replaceChildren(element('div', { class: 'notice ok', role: 'status' }, 'Silence created.'));
        notice.hidden = false;
      });
      // The dialog gives the focus back to the button that opened it; a live reload meanwhile replaced
      // that button, so the new one takes it.
      dialog.addEventListener('close', () => {
        if (!card.contains(document.activeElement)) document.getElementById('alert-silence-like')?.focus();
      });
    });
    actions.append(silence);
    const list = element('ol', { class: 'timeline', 'aria-label': 'What happened, in order' });
    let previous: number | undefined;
    for (const event of data.events) {
      list.append(eventItem(event, previous));
      previous = Date.parse(event.at);
    }
    // A reload keeps a keyboard user's place: the same control again, or the heading if it is gone
    // (Acknowledge, once acknowledged).
    const focusedId = card.contains(document.activeElement) ? document.activeElement?.id : undefined;
    card.replaceChildren(heading, head, labels, actions, list);
    if (focusedId !== undefined) (document.getElementById(focusedId) ?? heading).focus();
  };

  const offAlert = onAlertEvent((push) => {
    if (alertIdOf(push) === id) reload();
  });
  const offNotification = onNotificationEvent((push) => {
    if (push.alertId === id) reload();
  });
  const offReconnect = onReconnect(reload);
  void load();
  return () => {
    closed = true;
    offAlert();
    offNotification();
    offReconnect();
  };
}
