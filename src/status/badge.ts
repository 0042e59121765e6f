/** A shields.io-style flat SVG badge ("status | up"), text escaped, widths from a per-character estimate. */
const COLORS: Record<string, string> = {
  up: '#3fb950',
  operational: '#3fb950',
  degraded: '#d29922',
  maintenance: '#4ea1ff',
  down: '#f85149',
  unknown: '#8a96a3',
};

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

const widthOf = (text: string): number => Math.round(text.length * 6.6 + 12);

export function badgeSvg(label: string, value: string, color: string): string {
  const lw = widthOf(label);
  const vw = widthOf(value);
  const w = lw + vw;
  const [l, v] = [escapeXml(label), escapeXml(value)];
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${String(w)}" height="20" role="img" aria-label="${l}: ${v}"><title>${l}: ${v}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${String(w)}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${String(lw)}" height="20" fill="#555"/><rect x="${String(lw)}" width="${String(vw)}" height="20" fill="${color}"/><rect width="${String(w)}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" font-size="11"><text x="${String(lw / 2)}" y="14">${l}</text><text x="${String(lw + vw / 2)}" y="14">${v}</text></g></svg>`;
}

export function colorOfState(state: string): string {
  return COLORS[state] ?? COLORS.unknown!;
}

/** Green from 99.9 %, yellow from 99 %, orange from 95 %, red below (as uptime badges usually go). */
export function colorOfUptime(ratio: number | null): string {
  if (ratio === null) return COLORS.unknown!;
  if (ratio >= 0.999) return '#3fb950';
  if (ratio >= 0.99) return '#a4a61d';
  if (ratio >= 0.95) return '#d29922';
  return '#f85149';
}

export { escapeXml };
