import { lexicalProblem } from './lexical-problems.js';
import type { SyntaxNode } from '@lezer/common';
import { parser as lezer } from '@prometheus-io/lezer-promql';
import { RE2JS } from 're2js';
import {
  COMPARISON_OPS,
  SET_OPS,
  documentedType,
  typeOf,
  type AggregateOp,
  type AtModifier,
  type BinaryOp,
  type Expr,
  type LabelMatcher,
  type MatchType,
  type Span,
  type ValueType,
  type VectorMatching,
  type VectorSelector,
} from './ast.js';
import { parseError, PromqlError } from './errors.js';
import { FUNCTIONS, functionReturnType } from './functions-table.js';
import { isValidLabelName, parseDurationMs, parseNumber, unquoteString } from './literals.js';

/** Longest regular expression accepted in a matcher: bounds the cost of compiling it. */
export const MAX_REGEX_LENGTH = 4096;

const BINARY_OPS: Record<string, BinaryOp> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
  Atan2: 'atan2',
  Eql: '==',
  Neq: '!=',
  Gtr: '>',
  Lss: '<',
  Gte: '>=',
  Lte: '<=',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const AGGREGATE_OPS: Record<string, AggregateOp> = {
  Sum: 'sum',
  Avg: 'avg',
  Min: 'min',
  Max: 'max',
  Count: 'count',
  Group: 'group',
  Stddev: 'stddev',
  Stdvar: 'stdvar',
  Topk: 'topk',
  Bottomk: 'bottomk',
  Quantile: 'quantile',
  CountValues: 'count_values',
};

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

/**
 * Parses a PromQL expression with the grammar Prometheus ships for its UI (`@prometheus-io/lezer-promql`)
 * and checks it as Prometheus' own parser does (argument types, vector matching rules, selectors that
 * match everything). Throws a `bad_data` PromqlError with the position of the first problem.
 */
export function parsePromql(input: string): Expr {
  return new Converter(input).parse();
}

/** Words Prometheus' lexer gives a token type of their own (so its message names the type, not the text). */
const KEYWORDS = new Set(
  'and or unless atan2 by without on ignoring group_left group_right bool offset start end sum avg count min max group stddev stdvar topk bottomk count_values quantile'.split(
    ' ',
  ),
);

/** What stands where parsing stopped: an identifier as Prometheus names it, else the text there. */
function unexpectedToken(rest: string, near: string): string {
  const identifier = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest)?.[0];
  if (identifier !== undefined && !KEYWORDS.has(identifier.toLowerCase()) && !/^(inf|nan)$/i.test(identifier))
    return `unexpected identifier ${JSON.stringify(identifier)}`;
  return `unexpected character or token at ${JSON.stringify(near)}`;
}

class Converter {
  constructor(private readonly input: string) {}

  parse(): Expr {
    try {
      return this.parseChecked();
    } catch (error) {
      // Where the grammar or a check failed on an unbalanced bracket or string, say so as Prometheus does.
      const lexical = error instanceof PromqlError ? lexicalProblem(this.input) : undefined;
      if (lexical !== undefined) throw this.error({ from: lexical.at, to: lexical.at + 1 }, lexical.message);
      throw error;
    }
  }

  private parseChecked(): Expr {
    if (this.input.trim() === '') throw this.error({ from: 0, to: 0 }, 'no expression found in input');
    const tree = lezer.parse(this.input);
    let problem: SyntaxNode | undefined;
    tree.iterate({
      enter: (ref) => {
        if (problem !== undefined) return false;
        if (ref.type.isError) problem = ref.node;
        return undefined;
      },
    });
    if (problem !== undefined) {
      const at = problem.from;
      const near = this.input.slice(at, at + 10);
      throw this.error(
        { from: at, to: Math.max(problem.to, at + 1) },
        at >= this.input.length ? 'unexpected end of input' : unexpectedToken(this.input.slice(at), near),
      );
    }
    const top = tree.topNode.firstChild;
    if (top === null) throw this.error({ from: 0, to: 0 }, 'no expression found in input');
    const expr = this.expr(top);
    return expr;
  }

  private error(span: Span, message: string): PromqlError {
    return parseError(this.input, span.from, span.to, message);
  }

  private text(node: SyntaxNode): string {
    return this.input.slice(node.from, node.to);
  }

  private span(node: SyntaxNode): Span {
    return { from: node.from, to: node.to };
  }

  private children(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (child.name !== 'LineComment') out.push(child);
    }
    return out;
  }

  private type(expr: Expr): ValueType {
    return typeOf(expr, functionReturnType);
  }

  private expectType(expr: Expr, want: ValueType, context: string): void {
    const got = this.type(expr);
    if (got !== want) {
      throw this.error(
        expr.span,
        `expected type ${documentedType(want)} in ${context}, got ${documentedType(got)}`,
      );
    }
  }

  private expr(node: SyntaxNode): Expr {
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { kind: 'number', value: this.number(node), span: this.span(node) };
      case 'StringLiteral':
        return { kind: 'string', value: this.string(node), span: this.span(node) };
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'SubqueryExpr':
        return this.subquery(node);
      case 'OffsetExpr':
        return this.offset(node);
      case 'StepInvariantExpr':
        return this.at(node);
      case 'ParenExpr': {
        const [inner] = this.children(node);
        if (inner === undefined) throw this.error(this.span(node), 'unexpected ")"');
        return { kind: 'paren', expr: this.expr(inner), span: this.span(node) };
      }
      case 'UnaryExpr':
        return this.unary(node);
      case 'BinaryExpr':
        return this.binary(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      default:
        throw this.error(this.span(node), `unsupported expression: ${this.text(node)}`);
    }
  }

  private number(node: SyntaxNode): number {
    const text = this.text(node).trim();
    const value = parseNumber(text);
    if (value !== undefined) return value;
    // A duration where a number is expected (`5m`) is a number of seconds in newer Prometheus only.
    throw this.error(this.span(node), `unexpected duration "${text}" where a number was expected`);
  }

  private string(node: SyntaxNode): string {
    const raw = this.text(node);
    try {
      return unquoteString(raw);
    } catch (error) {
      throw this.error(
        this.span(node),
        `error unquoting string ${JSON.stringify(raw)}: ${(error as Error).message}`,
      );
    }
  }

  private duration(node: SyntaxNode): number {
    const children = this.children(node);
    if (node.name === 'NumberDurationLiteralInDurationContext') {
      const text = this.text(node);
      const ms = parseDurationMs(text);
      if (ms !== undefined) return ms;
      const seconds = parseNumber(text);
      if (seconds === undefined || !Number.isFinite(seconds)) {
        throw this.error(this.span(node), `bad duration syntax: "${text}"`);
      }
      return Math.round(seconds * 1000);
    }
    if (node.name === 'DurationExpr' || node.name === 'OffsetDurationExpr') {
      if (children.length === 1) return this.duration(children[0]!);
      if (children.length === 2 && children[0]!.name === 'UnaryOp') {
        const value = this.duration(children[1]!);
        return this.text(children[0]!) === '-' ? -value : value;
      }
      if (children.length === 3) {
        const a = this.duration(children[0]!);
        const b = this.duration(children[2]!);
        switch (children[1]!.name) {
          case 'Add':
            return a + b;
          case 'Sub':
            return a - b;
          case 'Mul':
            return (a * b) / 1000;
          case 'Div':
            return (a / b) * 1000;
          default:
            break;
        }
      }
    }
    throw this.error(this.span(node), `unsupported duration expression "${this.text(node)}"`);
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    let name: string | undefined;
    const matchers: LabelMatcher[] = [];
    for (const child of this.children(node)) {
      if (child.name === 'Identifier') {
        name = this.text(child);
      } else if (child.name === 'LabelMatchers') {
        for (const m of this.children(child)) matchers.push(...this.matcher(m));
      }
    }
    const span = this.span(node);
    if (name !== undefined) {
      if (matchers.some((m) => m.name === '__name__')) {
        const other = matchers.find((m) => m.name === '__name__')!;
        throw this.error(span, `metric name must not be set twice: "${name}" or "${other.value}"`);
      }
      matchers.push(compileMatcher('__name__', '=', name));
    } else if (!matchers.some((m) => !m.matches(''))) {
      throw this.error(span, 'vector selector must contain at least one non-empty matcher');
    }
    return { kind: 'vector', name, matchers, offsetMs: 0, at: undefined, span };
  }

  private matcher(node: SyntaxNode): LabelMatcher[] {
    const parts = this.children(node);
    if (node.name === 'QuotedLabelName') {
      return [compileMatcher('__name__', '=', this.string(parts[0]!))];
    }
    const [nameNode, opNode, valueNode] = parts;
    if (nameNode === undefined || opNode === undefined || valueNode === undefined) {
      throw this.error(this.span(node), `unexpected label matcher "${this.text(node)}"`);
    }
    const label =
      nameNode.name === 'QuotedLabelName' ? this.string(this.children(nameNode)[0]!) : this.text(nameNode);
    const opName = this.children(opNode)[0]?.name ?? '';
    const type = MATCH_OPS[opName];
    if (type === undefined) throw this.error(this.span(opNode), `unexpected matcher "${this.text(opNode)}"`);
    const value = this.string(valueNode);
    try {
      return [compileMatcher(label, type, value)];
    } catch (error) {
      throw this.error(this.span(valueNode), (error as Error).message);
    }
  }

  private matrixSelector(node: SyntaxNode): Expr {
    const [inner, range] = this.children(node);
    const expr = this.expr(inner!);
    const span = this.span(node);
    const rangeMs = this.duration(range!);
    if (expr.kind !== 'vector') {
      throw this.error(span, 'ranges only allowed for vector selectors');
    }
    if (expr.offsetMs !== 0 || expr.at !== undefined) {
      throw this.error(span, 'no offset modifiers allowed before range');
    }
    if (rangeMs <= 0) throw this.error(this.span(range!), `duration must be greater than 0`);
    return { kind: 'matrix', selector: expr, rangeMs, span };
  }

  private subquery(node: SyntaxNode): Expr {
    const [inner, range, step] = this.children(node);
    const expr = this.expr(inner!);
    const span = this.span(node);
    const type = this.type(expr);
    if (type !== 'vector') {
      throw this.error(
        span,
        `subquery is only allowed on instant vector, got ${documentedType(type)} instead`,
      );
    }
    const rangeMs = this.duration(range!);
    const stepMs = step === undefined ? 0 : this.duration(step);
    if (rangeMs <= 0) throw this.error(this.span(range!), 'duration must be greater than 0');
    if (stepMs < 0) throw this.error(this.span(step!), 'duration must be greater than 0');
    return { kind: 'subquery', expr, rangeMs, stepMs, offsetMs: 0, at: undefined, span };
  }

  /** The node an `offset`/`@` applies to: a selector or subquery, through a unary minus' operand. */
  private modifierTarget(
    expr: Expr,
    what: string,
  ): Extract<Expr, { kind: 'vector' | 'matrix' | 'subquery' }> {
    if (expr.kind === 'vector' || expr.kind === 'matrix' || expr.kind === 'subquery') return expr;
    if (expr.kind === 'unary') return this.modifierTarget(expr.expr, what);
    throw this.error(
      expr.span,
      `${what} modifier must be preceded by an instant vector selector or range vector selector or a subquery`,
    );
  }

  private offset(node: SyntaxNode): Expr {
    const [inner, , durationNode] = this.children(node);
    const expr = this.expr(inner!);
    const offsetMs = this.duration(durationNode!);
    const target = this.modifierTarget(expr, 'offset');
    const holder = target.kind === 'matrix' ? target.selector : target;
    if (holder.offsetMs !== 0) throw this.error(this.span(node), 'offset may not be set multiple times');
    holder.offsetMs = offsetMs;
    return { ...expr, span: this.span(node) };
  }

  private at(node: SyntaxNode): Expr {
    const [inner, , value] = this.children(node);
    const expr = this.expr(inner!);
    let at: AtModifier;
    if (value!.name === 'AtModifierPreprocessors') {
      at = this.children(value!)[0]?.name === 'AtStart' ? { kind: 'start' } : { kind: 'end' };
    } else {
      const seconds = this.number(value!);
      if (!Number.isFinite(seconds)) {
        throw this.error(this.span(value!), `timestamp out of bounds for @ modifier: ${seconds}`);
      }
      at = { kind: 'time', ms: Math.round(seconds * 1000) };
    }
    const target = this.modifierTarget(expr, '@');
    const holder = target.kind === 'matrix' ? target.selector : target;
    if (holder.at !== undefined)
      throw this.error(this.span(node), '@ <timestamp> may not be set multiple times');
    holder.at = at;
    return { ...expr, span: this.span(node) };
  }

  private unary(node: SyntaxNode): Expr {
    const [opNode, inner] = this.children(node);
    const expr = this.expr(inner!);
    const type = this.type(expr);
    const span = this.span(node);
    if (type !== 'scalar' && type !== 'vector') {
      throw this.error(
        span,
        `unary expression only allowed on expressions of type scalar or instant vector, got "${documentedType(type)}"`,
      );
    }
    return { kind: 'unary', op: this.text(opNode!) === '-' ? '-' : '+', expr, span };
  }

  private binary(node: SyntaxNode): Expr {
    const parts = this.children(node);
    const lhs = this.expr(parts[0]!);
    const rhs = this.expr(parts[parts.length - 1]!);
    const opNode = parts[1]!;
    const op = BINARY_OPS[opNode.name];
    const span = this.span(node);
    if (op === undefined)
      throw this.error(this.span(opNode), `unsupported binary operator "${this.text(opNode)}"`);
    let returnBool = false;
    let matching: VectorMatching = { card: 'one-to-one', on: false, labels: [], include: [] };
    let explicitMatching = false;
    for (const part of parts.slice(2, -1)) {
      if (part.name === 'BoolModifier') returnBool = true;
      else if (part.name === 'MatchingModifierClause') {
        matching = this.matching(part);
        explicitMatching = true;
      } else if (part.name === 'FillModifier') {
        throw this.error(this.span(part), 'fill modifiers are not supported');
      }
    }
    const opSpan = this.span(opNode);
    const lt = this.type(lhs);
    const rt = this.type(rhs);
    const comparison = COMPARISON_OPS.has(op);
    const setOp = SET_OPS.has(op);
    if (returnBool && !comparison) {
      throw this.error(opSpan, 'bool modifier can only be used on comparison operators');
    }
    if (comparison && !returnBool && lt === 'scalar' && rt === 'scalar') {
      throw this.error(opSpan, 'comparisons between scalars must use BOOL modifier');
    }
    if (setOp && matching.card === 'one-to-one') matching.card = 'many-to-many';
    if (matching.on) {
      for (const label of matching.labels) {
        if (matching.include.includes(label)) {
          throw this.error(opSpan, `label "${label}" must not occur in ON and GROUP clause at once`);
        }
      }
    }
    if (lt !== 'scalar' && lt !== 'vector') {
      throw this.error(lhs.span, 'binary expression must contain only scalar and instant vector types');
    }
    if (rt !== 'scalar' && rt !== 'vector') {
      throw this.error(rhs.span, 'binary expression must contain only scalar and instant vector types');
    }
    let finalMatching: VectorMatching | undefined = matching;
    if (lt !== 'vector' || rt !== 'vector') {
      if (explicitMatching && matching.labels.length > 0) {
        throw this.error(span, 'vector matching only allowed between instant vectors');
      }
      finalMatching = undefined;
    } else if (setOp) {
      if (matching.card === 'one-to-many' || matching.card === 'many-to-one') {
        throw this.error(span, `no grouping allowed for "${op}" operation`);
      }
    }
    if ((lt === 'scalar' || rt === 'scalar') && setOp) {
      throw this.error(span, `set operator "${op}" not allowed in binary scalar expression`);
    }
    return { kind: 'binary', op, lhs, rhs, returnBool, matching: finalMatching, span };
  }

  private matching(node: SyntaxNode): VectorMatching {
    const parts = this.children(node);
    const matching: VectorMatching = {
      card: 'one-to-one',
      on: parts[0]!.name === 'On',
      labels: [],
      include: [],
    };
    matching.labels = this.grouping(parts[1]!);
    const group = parts[2];
    if (group !== undefined) {
      matching.card = group.name === 'GroupLeft' ? 'many-to-one' : 'one-to-many';
      if (parts[3] !== undefined) matching.include = this.grouping(parts[3]);
    }
    return matching;
  }

  private grouping(node: SyntaxNode): string[] {
    return this.children(node).map((child) => {
      const name =
        child.name === 'QuotedLabelName' ? this.string(this.children(child)[0]!) : this.text(child);
      if (!isValidLabelName(name)) throw this.error(this.span(child), `invalid label name "${name}"`);
      return name;
    });
  }

  private call(node: SyntaxNode): Expr {
    const [identifier, body] = this.children(node);
    const name = this.text(identifier!);
    const span = this.span(node);
    const signature = FUNCTIONS.get(name);
    if (signature === undefined) throw this.error(span, `unknown function with name "${name}"`);
    const args = this.children(body!).map((arg) => this.expr(arg));
    const nargs = signature.argTypes.length;
    if (signature.variadic === 0) {
      if (nargs !== args.length) {
        throw this.error(span, `expected ${nargs} argument(s) in call to "${name}", got ${args.length}`);
      }
    } else {
      const required = nargs - 1;
      if (required > args.length) {
        throw this.error(
          span,
          `expected at least ${required} argument(s) in call to "${name}", got ${args.length}`,
        );
      }
      const max = required + signature.variadic;
      if (signature.variadic > 0 && max < args.length) {
        throw this.error(
          span,
          `expected at most ${max} argument(s) in call to "${name}", got ${args.length}`,
        );
      }
    }
    args.forEach((arg, i) => {
      const want = signature.argTypes[Math.min(i, nargs - 1)]!;
      this.expectType(arg, want, `call to function "${name}"`);
    });
    return { kind: 'call', name, args, span };
  }

  private aggregate(node: SyntaxNode): Expr {
    const parts = this.children(node);
    const opName = this.children(parts[0]!)[0]?.name ?? '';
    const op = AGGREGATE_OPS[opName];
    const span = this.span(node);
    if (op === undefined) throw this.error(span, `unsupported aggregation "${this.text(parts[0]!)}"`);
    let grouping: string[] = [];
    let without = false;
    let body: SyntaxNode | undefined;
    for (const part of parts.slice(1)) {
      if (part.name === 'AggregateModifier') {
        const [kind, labels] = this.children(part);
        without = kind!.name === 'Without';
        grouping = this.grouping(labels!);
      } else if (part.name === 'FunctionCallBody') body = part;
    }
    const args = body === undefined ? [] : this.children(body).map((arg) => this.expr(arg));
    const takesParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    const expected = takesParam ? 2 : 1;
    if (args.length !== expected) {
      throw this.error(
        span,
        `wrong number of arguments for aggregate expression provided, expected ${expected}, got ${args.length}`,
      );
    }
    const expr = args[args.length - 1]!;
    const param = takesParam ? args[0] : undefined;
    this.expectType(expr, 'vector', 'aggregation expression');
    if (param !== undefined) {
      this.expectType(param, op === 'count_values' ? 'string' : 'scalar', 'aggregation parameter');
    }
    return { kind: 'aggregate', op, expr, param, grouping, without, span };
  }
}

/** A label matcher; regular expressions are RE2, anchored at both ends, as in Prometheus. */
export function compileMatcher(name: string, type: MatchType, value: string): LabelMatcher {
  if (type === '=') return { name, type, value, matches: (v) => v === value };
  if (type === '!=') return { name, type, value, matches: (v) => v !== value };
  if (value.length > MAX_REGEX_LENGTH) {
    throw new Error(`regular expressions are at most ${MAX_REGEX_LENGTH} characters`);
  }
  let regex: RE2JS;
  try {
    regex = RE2JS.compile(`^(?:${value})$`);
  } catch (error) {
    throw new Error(`error parsing regexp: ${(error as Error).message}`);
  }
  const positive = type === '=~';
  return { name, type, value, matches: (v) => regex.matches(v) === positive };
}
