import type { AggregateExpr, AtModifier, BinaryExpr, Expr, SubqueryExpr, VectorSelector } from './ast.js';

/**
 * An expression written back on one line as Prometheus 2.42 writes it (`Expr.String()`). `format_query`
 * answers `prettyExpr`, which breaks it over lines where it is too long.
 */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return goFormatG(expr.value);
    case 'string':
      return goQuote(expr.value);
    case 'vector':
      return selector(expr) + at(expr.at) + offset(expr.offsetMs);
    case 'matrix':
      return `${selector(expr.selector)}[${formatDuration(expr.rangeMs)}]${at(expr.selector.at)}${offset(expr.selector.offsetMs)}`;
    case 'subquery':
      return formatExpr(expr.expr) + subquerySuffix(expr);
    case 'call':
      return `${expr.name}(${expr.args.map(formatExpr).join(', ')})`;
    case 'paren':
      return `(${formatExpr(expr.expr)})`;
    case 'unary':
      return `${expr.op}${formatExpr(expr.expr)}`;
    case 'aggregate': {
      let text = `${aggregateOp(expr)}(`;
      if (expr.param !== undefined) text += `${formatExpr(expr.param)}, `;
      return `${text}${formatExpr(expr.expr)})`;
    }
    case 'binary':
      return `${formatExpr(expr.lhs)} ${binaryOp(expr)} ${formatExpr(expr.rhs)}`;
  }
}

/** `sum`, `sum by (a, b) `, `sum without (a) `: an aggregation up to its opening parenthesis. */
function aggregateOp(expr: AggregateExpr): string {
  if (expr.without) return `${expr.op} without (${expr.grouping.join(', ')}) `;
  if (expr.grouping.length > 0) return `${expr.op} by (${expr.grouping.join(', ')}) `;
  return expr.op;
}

/** The operator with its `bool` and vector matching: `/ on (a) group_left (b)`. */
function binaryOp(expr: BinaryExpr): string {
  let matching = '';
  const vm = expr.matching;
  if (vm !== undefined && (vm.labels.length > 0 || vm.on)) {
    matching = ` ${vm.on ? 'on' : 'ignoring'} (${vm.labels.join(', ')})`;
    if (vm.card === 'many-to-one' || vm.card === 'one-to-many') {
      matching += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
    }
  }
  return `${expr.op}${expr.returnBool ? ' bool' : ''}${matching}`;
}

/** Longest line Prometheus' pretty-printer keeps whole (`maxCharactersPerLine`, in bytes). */
export const PRETTY_LINE_LIMIT = 100;

/**
 * The expression as `format_query` answers it: Prometheus' pretty-printer (`promql/parser/prettier.go`).
 * A node whose one-line form is longer than the limit is split: a binary operation puts each side on
 * its own lines, indented one level more, with the operator between them; an aggregation, call or
 * parenthesis opens on its line, takes one argument per line, and closes on a line of its own.
 */
export function prettyExpr(expr: Expr, limit = PRETTY_LINE_LIMIT): string {
  return pretty(expr, 0, limit);
}

function pretty(expr: Expr, level: number, limit: number): string {
  const indent = '  '.repeat(level);
  const flat = formatExpr(expr);
  // Go's len() of the string: bytes, not characters.
  const split = Buffer.byteLength(flat) > limit;
  switch (expr.kind) {
    case 'aggregate': {
      if (!split) return indent + flat;
      let text = `${indent}${aggregateOp(expr)}(\n`;
      if (expr.param !== undefined) text += `${pretty(expr.param, level + 1, limit)},\n`;
      return `${text}${pretty(expr.expr, level + 1, limit)}\n${indent})`;
    }
    case 'binary':
      if (!split) return indent + flat;
      return `${pretty(expr.lhs, level + 1, limit)}\n${indent}${binaryOp(expr)}\n${pretty(expr.rhs, level + 1, limit)}`;
    case 'call':
      if (!split) return indent + flat;
      return `${indent}${expr.name}(\n${expr.args.map((a) => pretty(a, level + 1, limit)).join(',\n')}\n${indent})`;
    case 'paren':
      if (!split) return indent + flat;
      return `${indent}(\n${pretty(expr.expr, level + 1, limit)}\n${indent})`;
    case 'subquery':
      // As Prometheus: a subquery kept whole is not indented.
      if (!split) return flat;
      return pretty(expr.expr, level, limit) + subquerySuffix(expr);
    case 'unary':
      return indent + expr.op + pretty(expr.expr, level, limit).trim();
    case 'number':
    case 'string':
    case 'vector':
    case 'matrix':
      return indent + flat;
  }
}

function subquerySuffix(expr: SubqueryExpr): string {
  return `[${formatDuration(expr.rangeMs)}:${expr.stepMs > 0 ? formatDuration(expr.stepMs) : ''}]${at(expr.at)}${offset(expr.offsetMs)}`;
}

/** As Prometheus 2.42 writes a selector: matchers sorted as text, joined by a bare comma. */
function selector(vs: VectorSelector): string {
  const matchers = vs.matchers
    .filter((m) => !(vs.name !== undefined && m.name === '__name__' && m.type === '=' && m.value === vs.name))
    .map((m) => `${m.name}${m.type}${goQuote(m.value)}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const name = vs.name ?? '';
  return matchers.length === 0 ? name : `${name}{${matchers.join(',')}}`;
}

const GO_ESCAPES: Record<string, string> = {
  '\x07': '\\a',
  '\b': '\\b',
  '\f': '\\f',
  '\n': '\\n',
  '\r': '\\r',
  '\t': '\\t',
  '\v': '\\v',
  '"': '\\"',
  '\\': '\\\\',
};

/** Go's `%q` of a string: printable characters as they are, the rest escaped as Go escapes them. */
export function goQuote(text: string): string {
  let out = '"';
  for (const ch of text) {
    const escaped = GO_ESCAPES[ch];
    if (escaped !== undefined) out += escaped;
    else if (/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) out += ch;
    else {
      const code = ch.codePointAt(0)!;
      if (code < 0x80) out += `\\x${code.toString(16).padStart(2, '0')}`;
      else if (code < 0x10000) out += `\\u${code.toString(16).padStart(4, '0')}`;
      else out += `\\U${code.toString(16).padStart(8, '0')}`;
    }
  }
  return `${out}"`;
}

function at(modifier: AtModifier | undefined): string {
  if (modifier === undefined) return '';
  if (modifier.kind === 'start') return ' @ start()';
  if (modifier.kind === 'end') return ' @ end()';
  return ` @ ${(modifier.ms / 1000).toFixed(3)}`;
}

function offset(ms: number): string {
  if (ms > 0) return ` offset ${formatDuration(ms)}`;
  if (ms < 0) return ` offset -${formatDuration(-ms)}`;
  return '';
}

/** Prometheus' model.Duration.String(): years and weeks only when exact, then d h m s ms. */
export function formatDuration(msIn: number): string {
  let ms = msIn;
  if (ms === 0) return '0s';
  let out = '';
  const unit = (name: string, mult: number, exact: boolean): void => {
    if (exact && ms % mult !== 0) return;
    const v = Math.floor(ms / mult);
    if (v > 0) {
      out += `${v}${name}`;
      ms -= v * mult;
    }
  };
  unit('y', 365 * 86_400_000, true);
  unit('w', 7 * 86_400_000, true);
  unit('d', 86_400_000, false);
  unit('h', 3_600_000, false);
  unit('m', 60_000, false);
  unit('s', 1000, false);
  unit('ms', 1, false);
  return out;
}

/** Go's `fmt.Sprint(float64)` (%g, shortest): exponent form below 1e-4 and from 1e6. */
function goFormatG(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  if (value === 0) return Object.is(value, -0) ? '-0' : '0';
  const [mantissa, expText] = value.toExponential().split('e') as [string, string];
  const exp = Number(expText);
  if (exp < -4 || exp >= 6) {
    const sign = exp < 0 ? '-' : '+';
    const digits = String(Math.abs(exp)).padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return String(value);
}
