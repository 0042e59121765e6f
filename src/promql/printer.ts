import type { AtModifier, Expr, VectorSelector } from './ast.js';

/**
 * An expression written back as Prometheus 2.42 writes it (`Expr.String()`): what `format_query` answers.
 * Prometheus breaks expressions longer than 100 characters over several lines; this keeps them on one.
 */
export function formatExpr(expr: Expr): string {
  switch (expr.kind) {
    case 'number':
      return goFormatG(expr.value);
    case 'string':
      return JSON.stringify(expr.value);
    case 'vector':
      return selector(expr) + at(expr.at) + offset(expr.offsetMs);
    case 'matrix':
      return `${selector(expr.selector)}[${formatDuration(expr.rangeMs)}]${at(expr.selector.at)}${offset(expr.selector.offsetMs)}`;
    case 'subquery':
      return `${formatExpr(expr.expr)}[${formatDuration(expr.rangeMs)}:${expr.stepMs > 0 ? formatDuration(expr.stepMs) : ''}]${at(expr.at)}${offset(expr.offsetMs)}`;
    case 'call':
      return `${expr.name}(${expr.args.map(formatExpr).join(', ')})`;
    case 'paren':
      return `(${formatExpr(expr.expr)})`;
    case 'unary':
      return `${expr.op}${formatExpr(expr.expr)}`;
    case 'aggregate': {
      let text = expr.op;
      if (expr.without) text += ` without (${expr.grouping.join(', ')}) `;
      else if (expr.grouping.length > 0) text += ` by (${expr.grouping.join(', ')}) `;
      text += '(';
      if (expr.param !== undefined) text += `${formatExpr(expr.param)}, `;
      return `${text}${formatExpr(expr.expr)})`;
    }
    case 'binary': {
      let matching = '';
      const vm = expr.matching;
      if (vm !== undefined && (vm.labels.length > 0 || vm.on)) {
        matching = ` ${vm.on ? 'on' : 'ignoring'} (${vm.labels.join(', ')})`;
        if (vm.card === 'many-to-one' || vm.card === 'one-to-many') {
          matching += ` group_${vm.card === 'many-to-one' ? 'left' : 'right'} (${vm.include.join(', ')})`;
        }
      }
      return `${formatExpr(expr.lhs)} ${expr.op}${expr.returnBool ? ' bool' : ''}${matching} ${formatExpr(expr.rhs)}`;
    }
  }
}

function selector(vs: VectorSelector): string {
  const matchers = vs.matchers
    .filter((m) => !(vs.name !== undefined && m.name === '__name__' && m.type === '=' && m.value === vs.name))
    .map((m) => `${m.name}${m.type}${JSON.stringify(m.value)}`);
  const name = vs.name ?? '';
  return matchers.length === 0 ? name : `${name}{${matchers.join(', ')}}`;
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
