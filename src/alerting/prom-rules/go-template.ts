import { goE, goF, goFloat, goG } from './go-format.js';
import { humanize, humanize1024, humanizeDuration, humanizePercentage } from './humanize.js';

/**
 * The subset of Go's text/template that Prometheus rule templates use, interpreted, never compiled to
 * code: text and `{{ pipeline }}` actions (with `{{-`/`-}}` trimming and comments), where a pipeline is
 * `operand | fn args… | …` over `$value`, `$labels.x`, `$externalLabels.x`, `$externalURL`, `.Value`,
 * `.Labels.x`, string and number literals, and the functions below. Control flow (`if`, `range`, `with`,
 * `define`, `template`) and any other function are refused when the rule loads, with the reason.
 */

export interface TemplateSample {
  labels: Readonly<Record<string, string>>;
  value: number;
}

type Value = string | number | Readonly<Record<string, string>> | readonly TemplateSample[] | TemplateSample;

export interface TemplateData {
  value: number;
  labels: Readonly<Record<string, string>>;
  externalLabels: Readonly<Record<string, string>>;
  externalUrl: string;
}

type Operand =
  | { kind: 'literal'; value: string | number }
  | { kind: 'var'; root: 'value' | 'labels' | 'externalLabels' | 'externalURL'; path: string[] }
  | { kind: 'func'; name: string };

type Command = Operand[];
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[] };

export class TemplateError extends Error {}

const FUNCTIONS = new Set([
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizePercentage',
  'printf',
  'first',
  'value',
  'label',
  'toUpper',
  'toLower',
  'title',
]);
const REFUSED_KEYWORDS = new Set([
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'break',
  'continue',
]);
const ROOTS: Record<string, 'value' | 'labels' | 'externalLabels' | 'externalURL'> = {
  $value: 'value',
  $labels: 'labels',
  $externalLabels: 'externalLabels',
  $externalURL: 'externalURL',
  '.Value': 'value',
  '.Labels': 'labels',
  '.ExternalLabels': 'externalLabels',
  '.ExternalURL': 'externalURL',
};

/** A parsed template; parse once at load (errors there), render at each evaluation. */
export class GoTemplate {
  private constructor(private readonly nodes: readonly Node[]) {}

  static parse(source: string): GoTemplate {
    return new GoTemplate(parseNodes(source));
  }

  render(data: TemplateData): string {
    let out = '';
    for (const node of this.nodes)
      out += node.kind === 'text' ? node.text : print(runPipeline(node.pipeline, data));
    return out;
  }
}

function parseNodes(source: string): Node[] {
  const nodes: Node[] = [];
  let pos = 0;
  let trimNext = false;
  while (pos < source.length) {
    const open = source.indexOf('{{', pos);
    let text = open === -1 ? source.slice(pos) : source.slice(pos, open);
    if (trimNext) text = text.replace(/^\s+/, '');
    if (open === -1) {
      if (text !== '') nodes.push({ kind: 'text', text });
      break;
    }
    let inner = open + 2;
    if (source.startsWith('- ', inner) || (source[inner] === '-' && /\s/.test(source[inner + 1] ?? ''))) {
      text = text.replace(/\s+$/, '');
      inner += 1;
    }
    if (text !== '') nodes.push({ kind: 'text', text });
    const close = findClose(source, inner);
    if (close === -1) throw new TemplateError(`unclosed action at offset ${String(open)}`);
    let body = source.slice(inner, close);
    trimNext = /\s-$/.test(body);
    if (trimNext) body = body.slice(0, -1);
    pos = close + 2;
    body = body.trim();
    if (body.startsWith('/*')) {
      if (!body.endsWith('*/')) throw new TemplateError('unclosed comment');
      continue;
    }
    nodes.push({ kind: 'action', pipeline: parsePipeline(body) });
  }
  return nodes;
}

/** The `}}` that ends an action, skipping quoted strings. */
function findClose(source: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < source.length; i++) {
    const c = source[i]!;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '}' && source[i + 1] === '}') return i;
  }
  return -1;
}

const TOKEN = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|"`]+)/gy;

function parsePipeline(body: string): Command[] {
  if (body === '') throw new TemplateError('empty action {{ }}');
  const commands: Command[] = [[]];
  TOKEN.lastIndex = 0;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = TOKEN.exec(body)) !== null) {
    consumed = TOKEN.lastIndex;
    const token = match[1]!;
    if (token === '|') {
      commands.push([]);
      continue;
    }
    commands[commands.length - 1]!.push(parseOperand(token));
  }
  if (body.slice(consumed).trim() !== '') throw new TemplateError(`cannot parse "${body}"`);
  if (commands.some((c) => c.length === 0)) throw new TemplateError(`empty command in "${body}"`);
  commands.forEach((command, i) => {
    const [head, ...args] = command;
    if (head?.kind !== 'func' && args.length > 0)
      throw new TemplateError(`"${body}": only a function takes arguments`);
    if (i > 0 && head?.kind !== 'func') throw new TemplateError(`"${body}": a pipe must lead to a function`);
  });
  return commands;
}

function parseOperand(token: string): Operand {
  if (token.startsWith('"')) {
    try {
      return { kind: 'literal', value: JSON.parse(token) as string };
    } catch {
      throw new TemplateError(`bad string ${token}`);
    }
  }
  if (token.startsWith('`')) return { kind: 'literal', value: token.slice(1, -1) };
  if (/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/.test(token))
    return { kind: 'literal', value: Number(token) };
  if (token.startsWith('$') || token.startsWith('.')) {
    for (const [prefix, root] of Object.entries(ROOTS)) {
      if (token !== prefix && !token.startsWith(`${prefix}.`)) continue;
      const path = token === prefix ? [] : token.slice(prefix.length + 1).split('.');
      if (path.some((p) => !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(p))) break;
      if ((root === 'value' || root === 'externalURL') && path.length > 0) break;
      if (path.length > 1) break;
      return { kind: 'var', root, path };
    }
    throw new TemplateError(
      `"${token}" is not available: use $value, $labels.<name>, $externalLabels.<name> or $externalURL`,
    );
  }
  if (REFUSED_KEYWORDS.has(token))
    throw new TemplateError(`"${token}" is not supported: templates here print values, without control flow`);
  if (FUNCTIONS.has(token)) return { kind: 'func', name: token };
  throw new TemplateError(`function "${token}" is not supported (supported: ${[...FUNCTIONS].join(', ')})`);
}

function runPipeline(pipeline: readonly Command[], data: TemplateData): Value {
  let piped: Value | undefined;
  for (const [head, ...args] of pipeline) {
    if (head!.kind !== 'func') {
      piped = operandValue(head!, data);
      continue;
    }
    const values = args.map((a) => (a.kind === 'func' ? call(a.name, [], a.name) : operandValue(a, data)));
    if (piped !== undefined) values.push(piped);
    piped = call(head!.name, values, head!.name);
  }
  return piped ?? '';
}

function operandValue(operand: Operand, data: TemplateData): Value {
  if (operand.kind === 'literal') return operand.value;
  if (operand.kind === 'func') return call(operand.name, [], operand.name);
  if (operand.root === 'value') return data.value;
  if (operand.root === 'externalURL') return data.externalUrl;
  const map = operand.root === 'labels' ? data.labels : data.externalLabels;
  const key = operand.path[0];
  if (key === undefined) return map;
  // Own keys only; a missing label is empty, as Prometheus' templates print it.
  return Object.hasOwn(map, key) ? map[key]! : '';
}

function toNumber(v: Value, fn: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() !== '' && !Number.isNaN(n)) return n;
    if (/^[+-]?(inf|nan)$/i.test(v.trim()))
      return Number(v.trim().replace(/inf/i, 'Infinity').replace(/nan/i, 'NaN'));
  }
  throw new TemplateError(`${fn}: cannot convert ${print(v)} to a number`);
}

function call(name: string, args: Value[], fn: string): Value {
  const one = (): Value => {
    if (args.length !== 1) throw new TemplateError(`${fn} takes 1 argument, got ${String(args.length)}`);
    return args[0]!;
  };
  switch (name) {
    case 'humanize':
      return humanize(toNumber(one(), fn));
    case 'humanize1024':
      return humanize1024(toNumber(one(), fn));
    case 'humanizeDuration':
      return humanizeDuration(toNumber(one(), fn));
    case 'humanizePercentage':
      return humanizePercentage(toNumber(one(), fn));
    case 'toUpper':
      return print(one()).toUpperCase();
    case 'toLower':
      return print(one()).toLowerCase();
    case 'title':
      return print(one()).replace(/\b\w/g, (c) => c.toUpperCase());
    case 'printf': {
      const [format, ...rest] = args;
      if (typeof format !== 'string') throw new TemplateError('printf needs a format string first');
      return printf(format, rest);
    }
    case 'first': {
      const list = one();
      if (!Array.isArray(list)) throw new TemplateError('first takes a query result');
      if (list.length === 0) throw new TemplateError('first() called on vector with no elements');
      return list[0] as TemplateSample;
    }
    case 'value': {
      const sample = one();
      if (typeof sample !== 'object' || Array.isArray(sample) || !('value' in sample))
        throw new TemplateError('value takes a sample');
      return (sample as TemplateSample).value;
    }
    case 'label': {
      const [label, sample] = args;
      if (
        typeof label !== 'string' ||
        typeof sample !== 'object' ||
        Array.isArray(sample) ||
        !('labels' in sample)
      )
        throw new TemplateError('label takes a label name and a sample');
      return (sample as TemplateSample).labels[label] ?? '';
    }
    default:
      throw new TemplateError(`function "${name}" is not supported`);
  }
}

const VERB = /%([-+# 0]*)(\d+)?(?:\.(\d+))?([vsdfgeqx%])/g;

/** Go's printf for the verbs rule templates use: %v %s %d %f %g %e %q %x, width and precision. */
export function printf(format: string, args: readonly Value[]): string {
  let i = 0;
  const out = format.replace(
    VERB,
    (_m, flags: string, width: string | undefined, precision: string | undefined, verb: string) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const arg = args[i++]!;
      const p = precision === undefined ? undefined : Number(precision);
      let text: string;
      switch (verb) {
        case 'd':
          text = typeof arg === 'number' && Number.isInteger(arg) ? String(arg) : `%!d(${print(arg)})`;
          break;
        case 'f':
          text = typeof arg === 'number' ? goF(arg, p ?? 6) : `%!f(string=${print(arg)})`;
          break;
        case 'g':
          text =
            typeof arg === 'number'
              ? p === undefined
                ? goFloat(arg)
                : goG(arg, p)
              : `%!g(string=${print(arg)})`;
          break;
        case 'e':
          text = typeof arg === 'number' ? goE(arg, p ?? 6) : `%!e(string=${print(arg)})`;
          break;
        case 'q':
          text = JSON.stringify(print(arg));
          break;
        case 'x':
          text =
            typeof arg === 'number' && Number.isInteger(arg)
              ? arg.toString(16)
              : Buffer.from(print(arg)).toString('hex');
          break;
        default:
          text = print(arg);
          if (p !== undefined && verb === 's') text = text.slice(0, p);
      }
      const w = width === undefined ? 0 : Number(width);
      if (text.length < w)
        text = flags.includes('-')
          ? text.padEnd(w)
          : text.padStart(w, flags.includes('0') && verb !== 's' ? '0' : ' ');
      return text;
    },
  );
  return i < args.length ? `${out}%!(EXTRA ${args.slice(i).map(print).join(', ')})` : out;
}

/** How Go's template prints a value: floats as %v, maps as map[k:v …] sorted by key. */
function print(value: Value): string {
  if (typeof value === 'number') return goFloat(value);
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map((s: TemplateSample) => print(s)).join(' ')}]`;
  if ('value' in value && 'labels' in value && typeof value.value === 'number')
    return `{${print(value.labels)} ${goFloat(value.value)}}`;
  const map = value as Readonly<Record<string, string>>;
  return `map[${Object.keys(map)
    .sort()
    .map((k) => `${k}:${map[k] ?? ''}`)
    .join(' ')}]`;
}
