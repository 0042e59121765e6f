import { element } from './dom.js';
import { formatSeconds } from './format.js';

export interface Heartbeat {
  at: number;
  state: 'up' | 'degraded' | 'pending' | 'down';
  durationMs: number;
  statusCode?: number;
  reason?: { code: string; message: string };
}

const SVG = 'http://www.w3.org/2000/svg';

/** What a beat's tooltip says: when, how long it took, and why it failed. */
export function beatTitle(beat: Heartbeat): string {
  const lines = [
    new Date(beat.at).toLocaleString(),
    `${beat.state.toUpperCase()} in ${formatSeconds(beat.durationMs / 1000)}`,
  ];
  if (beat.statusCode !== undefined) lines.push(`HTTP ${String(beat.statusCode)}`);
  if (beat.reason !== undefined) lines.push(`${beat.reason.code}: ${beat.reason.message}`);
  return lines.join('\n');
}

/**
 * The last checks as a row of coloured ticks, oldest left (Uptime Kuma's bar). Empty slots on the left
 * until `slots` checks have run, so every bar has the same width. Each tick says its time, response time
 * and reason as its title; the bar as a whole is one image for screen readers (its label counts states).
 */
export function heartbeatBar(beats: readonly Heartbeat[], slots = 30): HTMLElement {
  const shown = beats.slice(-slots);
  const counts = new Map<string, number>();
  for (const beat of shown) counts.set(beat.state, (counts.get(beat.state) ?? 0) + 1);
  const label =
    shown.length === 0
      ? 'no check yet'
      : `last ${String(shown.length)} checks: ${[...counts].map(([state, n]) => `${String(n)} ${state}`).join(', ')}`;
  const bar = element('div', { class: 'beats', role: 'img', 'aria-label': label });
  for (let i = shown.length; i < slots; i++) bar.append(element('span', { class: 'beat empty' }));
  for (const beat of shown)
    bar.append(
      element('span', { class: `beat ${beat.state}`, title: beatTitle(beat), 'data-state': beat.state }),
    );
  return bar;
}

/** Response times of the last checks as a small line (SVG, scaled to its own maximum). */
export function sparkline(beats: readonly Heartbeat[], width = 120, height = 24): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('class', 'sparkline');
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('viewBox', `0 0 ${String(width)} ${String(height)}`);
  const values = beats.map((b) => b.durationMs);
  const max = Math.max(1, ...values);
  svg.setAttribute(
    'aria-label',
    values.length === 0
      ? 'no response time yet'
      : `response time, last ${formatSeconds(values.at(-1)! / 1000)}, highest ${formatSeconds(max / 1000)}`,
  );
  svg.setAttribute('role', 'img');
  if (values.length < 2) return svg;
  const step = width / (values.length - 1);
  const points = values
    .map((v, i) => `${(i * step).toFixed(1)},${(height - 1 - (v / max) * (height - 2)).toFixed(1)}`)
    .join(' ');
  const line = document.createElementNS(SVG, 'polyline');
  line.setAttribute('points', points);
  svg.append(line);
  return svg;
}
