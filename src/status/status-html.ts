import { escapeXml } from './badge.js';
import type { PublicStatus } from './public-view.js';

const esc = escapeXml;
const percent = (r: number | null): string =>
  r === null ? '–' : `${(Math.floor(r * 10000) / 100).toFixed(2)} %`;
const OVERALL: Record<string, string> = {
  operational: 'All systems operational',
  degraded: 'Degraded performance',
  outage: 'Partial outage',
  maintenance: 'Under maintenance',
  unknown: 'Status unknown',
};

/**
 * The public page, rendered on the server with every value escaped: no script at all (the CSP allows
 * none inline, and a status page must work where the dashboard does not), refreshed every 60 s.
 */
export function statusHtml(s: PublicStatus): string {
  const services = s.services
    .map(
      (r) =>
        `<tr><td>${esc(r.name)}</td><td><span class="badge ${esc(r.state)}">${esc(r.state.toUpperCase())}</span></td><td>${percent(r.uptime24h)}</td><td>${percent(r.uptime30d)}</td></tr>`,
    )
    .join('');
  const maintenance = s.maintenance
    .map(
      (m) =>
        `<li class="maintenance${m.active ? ' active' : ''}"><strong>${esc(m.title)}</strong> ${m.active ? '(now)' : ''} <time datetime="${esc(m.startsAt ?? '')}">${esc(m.startsAt ?? '')}</time> – <time datetime="${esc(m.endsAt ?? '')}">${esc(m.endsAt ?? '')}</time><br>${esc(m.services.join(', '))}${m.description === '' ? '' : `<p>${esc(m.description)}</p>`}</li>`,
    )
    .join('');
  const incidents = s.incidents
    .map(
      (i) =>
        `<article class="incident ${esc(i.impact)}"><h3>${esc(i.title)} <small>${esc(i.status)}</small></h3>${i.updates
          .map(
            (u) =>
              `<p><time datetime="${esc(u.at)}">${esc(u.at)}</time> <strong>${esc(u.status)}</strong> — ${esc(u.message)}</p>`,
          )
          .join('')}</article>`,
    )
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="60"><title>${esc(s.title)} status</title>
<link rel="stylesheet" href="/assets/styles.css"><link rel="alternate" type="application/atom+xml" title="Incidents" href="/status/${esc(s.slug)}/feed.atom">
</head><body class="status-page"><main>
<h1>${esc(s.title)}</h1>${s.description === '' ? '' : `<p>${esc(s.description)}</p>`}
<p id="overall" class="overall ${esc(s.overall)}">${esc(OVERALL[s.overall] ?? s.overall)}</p>
<section class="card"><h2>Services</h2><table><thead><tr><th>Service</th><th>State</th><th>24 h</th><th>30 d</th></tr></thead><tbody>${services}</tbody></table></section>
${maintenance === '' ? '' : `<section class="card"><h2>Maintenance</h2><ul>${maintenance}</ul></section>`}
<section class="card"><h2>Incidents</h2>${incidents === '' ? '<p class="empty">No incident in the last 14 days.</p>' : incidents}</section>
<p class="empty"><a href="/status/${esc(s.slug)}/feed.atom">Atom feed</a> · <a href="/api/status/${esc(s.slug)}">JSON</a></p>
</main></body></html>`;
}

/** An Atom feed of the page's incidents, one entry per incident, its updates as the content. */
export function incidentsAtom(s: PublicStatus, origin: string): string {
  const self = `${origin}/status/${s.slug}`;
  const updated = s.incidents[0]?.updates[0]?.at ?? new Date(0).toISOString();
  const entries = s.incidents
    .map(
      (i) =>
        `<entry><id>urn:uuid:${esc(i.id)}</id><title>${esc(i.title)} (${esc(i.status)})</title><updated>${esc(i.updates[0]?.at ?? i.createdAt)}</updated><published>${esc(i.createdAt)}</published><link href="${esc(self)}"/><content type="text">${esc(i.updates.map((u) => `${u.at} ${u.status}: ${u.message}`).join('\n'))}</content></entry>`,
    )
    .join('');
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>${esc(self)}</id><title>${esc(s.title)} incidents</title><updated>${esc(updated)}</updated><link rel="self" href="${esc(self)}/feed.atom"/><link href="${esc(self)}"/>${entries}</feed>`;
}
