/**
 * PromQL's literal syntax: Go's float parsing (`strconv.ParseFloat`, hex and Inf/NaN included), Go's
 * string unquoting, and Prometheus' durations (`model.ParseDuration`: 1y2w3d4h5m6s7ms).
 */

const DURATION_UNITS: Record<string, number> = {
  y: 365 * 24 * 3600 * 1000,
  w: 7 * 24 * 3600 * 1000,
  d: 24 * 3600 * 1000,
  h: 3600 * 1000,
  m: 60 * 1000,
  s: 1000,
  ms: 1,
};

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Milliseconds of a duration such as `1h30m`, or undefined when the text is not one. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '' || text === '0') return text === '0' ? 0 : undefined;
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let total = 0;
  for (let i = 0; i < units.length; i++) {
    const part = match[i + 1];
    if (part !== undefined) total += Number(part) * DURATION_UNITS[units[i]!]!;
  }
  return total;
}

/** Go's ParseFloat over PromQL's number tokens (decimal, hex, Inf, NaN; `_` digit separators). */
export function parseNumber(text: string): number | undefined {
  const clean = text.replace(/_/g, '');
  const lower = clean.toLowerCase();
  let sign = 1;
  let body = lower;
  if (body.startsWith('+') || body.startsWith('-')) {
    sign = body.startsWith('-') ? -1 : 1;
    body = body.slice(1);
  }
  if (body === 'inf' || body === 'infinity') return sign * Number.POSITIVE_INFINITY;
  if (body === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/.test(body)) return sign * parseInt(body.slice(2), 16);
  if (/^(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(body)) return sign * Number(body);
  return undefined;
}

/** Go's strconv.Unquote for the three quote styles PromQL accepts. Throws with a reason. */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  if (raw.length < 2 || raw[raw.length - 1] !== quote) throw new Error('unterminated quoted string');
  const body = raw.slice(1, -1);
  if (quote === '`') return body;
  if (quote !== '"' && quote !== "'") throw new Error('invalid syntax');
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c === quote) throw new Error('invalid syntax');
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = body[++i] ?? '';
    switch (next) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
      case "'":
        if (next !== quote) throw new Error('invalid syntax');
        out += next;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const size = next === 'x' ? 2 : next === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + size);
        if (hex.length !== size || !/^[0-9a-fA-F]+$/.test(hex)) throw new Error('invalid syntax');
        const code = parseInt(hex, 16);
        if (code > 0x10ffff) throw new Error('invalid syntax');
        out += String.fromCodePoint(code);
        i += size;
        break;
      }
      default: {
        if (/[0-7]/.test(next)) {
          const oct = body.slice(i, i + 3);
          if (!/^[0-7]{3}$/.test(oct)) throw new Error('invalid syntax');
          out += String.fromCharCode(parseInt(oct, 8));
          i += 2;
          break;
        }
        throw new Error('invalid syntax');
      }
    }
  }
  return out;
}

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME.test(name);
}
