import { parser } from '@prometheus-io/lezer-promql';
import { RE2JS } from 're2js';
import type { Labels } from '../domain/metric.js';
import { PromApiError } from './prom-api-error.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label matcher of a series selector; a missing label reads as `''`, as in Prometheus. */
export interface SelectorMatcher {
  name: string;
  op: MatchOp;
  value: string;
  matches: (value: string) => boolean;
}

const OPS: Record<string, MatchOp> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/** Go string literal → its text: "…" and '…' with Go's escapes, `…` raw. */
export function unquote(literal: string): string {
  const quote = literal[0];
  const body = literal.slice(1, -1);
  if (quote === '`') return body;
  return body.replace(
    /\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)/g,
    (_m, esc: string) => {
      const simple: Record<string, string> = {
        a: '\x07',
        b: '\b',
        f: '\f',
        n: '\n',
        r: '\r',
        t: '\t',
        v: '\v',
        '\\': '\\',
        '"': '"',
        "'": "'",
      };
      if (esc.length === 1) return simple[esc] ?? esc;
      if (/^[0-7]{3}$/.test(esc)) return String.fromCodePoint(parseInt(esc, 8));
      return String.fromCodePoint(parseInt(esc.slice(1), 16));
    },
  );
}

export function matcherOf(name: string, op: MatchOp, value: string): SelectorMatcher {
  if (op === '=' || op === '!=') {
    const equal = op === '=';
    return { name, op, value, matches: (v) => (v === value) === equal };
  }
  let re: RE2JS;
  try {
    // Fully anchored, RE2 syntax: what Prometheus does, and no catastrophic backtracking.
    re = RE2JS.compile(`^(?:${value})$`, RE2JS.DOTALL);
  } catch (error) {
    throw new PromApiError('bad_data', `invalid regular expression "${value}": ${(error as Error).message}`);
  }
  const positive = op === '=~';
  return { name, op, value, matches: (v) => re.matches(v) === positive };
}

/**
 * A `match[]` argument (`up{job="a"}`, `{__name__=~"http_.+"}`) parsed with Prometheus' own grammar.
 * As in Prometheus, at least one matcher must not match the empty string, or the selector would select
 * every series.
 */
export function parseSeriesSelector(text: string): SelectorMatcher[] {
  const tree = parser.parse(text);
  const fail = (why: string) =>
    new PromApiError('bad_data', `invalid parameter "match[]": 1:1: parse error: ${why}`);
  const errors: number[] = [];
  tree.iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  const top = tree.topNode.firstChild;
  if (errors.length > 0 || top === null) throw fail(`unexpected input in "${text}"`);
  if (top.name !== 'VectorSelector' || top.nextSibling !== null)
    throw fail(`a series selector is expected, got "${text}"`);
  const matchers: SelectorMatcher[] = [];
  const name = top.getChild('Identifier');
  if (name !== null) matchers.push(matcherOf('__name__', '=', text.slice(name.from, name.to)));
  const list = top.getChild('LabelMatchers');
  for (let m = list?.firstChild ?? null; m !== null; m = m.nextSibling) {
    if (m.name !== 'UnquotedLabelMatcher' && m.name !== 'QuotedLabelMatcher') continue;
    const op = OPS[m.getChild('MatchOp')?.firstChild?.name ?? ''];
    if (op === undefined) throw fail(`unknown match operator in "${text}"`);
    const valueNode = m.getChild('StringLiteral');
    const labelNode = m.getChild('LabelName');
    const quotedName = m.getChild('QuotedLabelName')?.getChild('StringLiteral') ?? null;
    const label =
      labelNode !== null
        ? text.slice(labelNode.from, labelNode.to)
        : quotedName !== null
          ? unquote(text.slice(quotedName.from, quotedName.to))
          : undefined;
    if (label === undefined || valueNode === null) throw fail(`incomplete matcher in "${text}"`);
    matchers.push(matcherOf(label, op, unquote(text.slice(valueNode.from, valueNode.to))));
  }
  if (matchers.every((m) => m.matches('')))
    throw fail('vector selector must contain at least one non-empty matcher');
  return matchers;
}

export function matchesAll(matchers: readonly SelectorMatcher[], labels: Labels): boolean {
  return matchers.every((m) => m.matches(labels[m.name] ?? ''));
}
