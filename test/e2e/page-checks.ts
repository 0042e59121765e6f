import type { Page } from 'playwright-core';

/**
 * Parts of views drawn from a request of their own, after the part a test usually waits for: a check of
 * a whole view (contrast, keyboard reach) waits for these too.
 */
export const VIEW_READY = {
  /** The overview's charts get their legend toggles from the history, not from the lists. */
  overviewCharts: '#chart-latency button.series-toggle',
  /** Explore's builder is drawn once the metric's type and labels are known, apart from the result. */
  exploreBuilder: '#explore-fn',
  /** #/status-pages draws its maintenance windows and form after the pages. */
  maintenance: '#maintenance-form',
} as const;

/**
 * Checks run inside the page. Written as source text because the test project has no DOM types: the page
 * evaluates them, the test reads plain JSON back.
 */

/** WCAG 2.x contrast of every visible text against what is painted behind it (alpha and opacity blended). */
const CONTRAST = String.raw`(() => {
  const parse = (text) => {
    const m = /rgba?\(([^)]+)\)/.exec(text);
    if (m === null) return undefined;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map((v) => (v.endsWith('%') ? Number(v.slice(0, -1)) / 100 : Number(v)));
    return { r: p[0], g: p[1], b: p[2], a: p[3] === undefined ? 1 : p[3] };
  };
  const over = (top, under) => ({
    r: top.r * top.a + under.r * (1 - top.a),
    g: top.g * top.a + under.g * (1 - top.a),
    b: top.b * top.a + under.b * (1 - top.a),
    a: 1,
  });
  const luminance = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b);
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e !== null; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c !== undefined && c.a > 0) { layers.push(c); if (c.a >= 1) break; }
    }
    let colour = { r: 255, g: 255, b: 255, a: 1 };
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  const results = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const seen = new Set();
  for (let node = walker.nextNode(); node !== null; node = walker.nextNode()) {
    const el = node.parentElement;
    if (el === null || seen.has(el) || node.textContent.trim() === '') continue;
    seen.add(el);
    if (el.closest('[hidden], option, script, style, .u-legend .u-marker') !== null) continue;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || el.getClientRects().length === 0) continue;
    let opacity = 1;
    for (let e = el; e !== null; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    const fg = parse(style.color);
    const bg = background(el);
    const text = over({ ...fg, a: fg.a * opacity }, bg);
    const [hi, lo] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    results.push({ text: node.textContent.trim().slice(0, 40), ratio: (hi + 0.05) / (lo + 0.05), color: style.color, background: 'rgb(' + [bg.r, bg.g, bg.b].map(Math.round).join(', ') + ')' });
  }
  return results;
})()`;

export interface ContrastResult {
  text: string;
  ratio: number;
  color: string;
  background: string;
}

export function contrastOfTexts(page: Page): Promise<ContrastResult[]> {
  return page.evaluate<ContrastResult[]>(CONTRAST);
}

/** The focused element: what it is, and whether its focus ring shows (outline of the :focus-visible rule). */
const FOCUSED = String.raw`(() => {
  const el = document.activeElement;
  if (el === null || el === document.body) return null;
  const style = getComputedStyle(el);
  const name = el.getAttribute('aria-label') || el.id || (el.textContent || '').trim().slice(0, 30) || el.getAttribute('href') || '';
  return { tag: el.tagName.toLowerCase(), name, ring: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 1 };
})()`;

export interface Focused {
  tag: string;
  name: string;
  ring: boolean;
}

export function focused(page: Page): Promise<Focused | null> {
  return page.evaluate<Focused | null>(FOCUSED);
}

/** Every native control a user can see on the page (what Tab must reach), named as FOCUSED names them. */
const CONTROLS = String.raw`(() => [...document.querySelectorAll('a[href], button, input, select, textarea')]
  .filter((el) => !el.disabled && el.closest('[hidden]') === null && el.getClientRects().length > 0 && getComputedStyle(el).visibility === 'visible')
  .map((el) => ({ tag: el.tagName.toLowerCase(), name: el.getAttribute('aria-label') || el.id || (el.textContent || '').trim().slice(0, 30) || el.getAttribute('href') || '' })))()`;

export function visibleControls(page: Page): Promise<{ tag: string; name: string }[]> {
  return page.evaluate<{ tag: string; name: string }[]>(CONTROLS);
}
