/**
 * The PromQL syntax tree the evaluator walks: what `parser.ts` builds from the lezer tree, already
 * type-checked. Times and durations are milliseconds.
 */

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export type MatchType = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  readonly name: string;
  readonly type: MatchType;
  readonly value: string;
  /** True when the label's value (`''` when the label is absent) satisfies the matcher. */
  matches(value: string): boolean;
}

/** Position of a node in the expression, as character offsets. */
export interface Span {
  from: number;
  to: number;
}

/** `@ <time>`, `@ start()`, `@ end()`; resolved to a time once the query's range is known. */
export type AtModifier = { kind: 'time'; ms: number } | { kind: 'start' } | { kind: 'end' };

export interface NumberLiteral {
  kind: 'number';
  value: number;
  span: Span;
}

export interface StringLiteral {
  kind: 'string';
  value: string;
  span: Span;
}

export interface VectorSelector {
  kind: 'vector';
  /** The metric name written before the braces, if any (also present as a `__name__` matcher). */
  name: string | undefined;
  matchers: LabelMatcher[];
  offsetMs: number;
  at: AtModifier | undefined;
  span: Span;
}

export interface MatrixSelector {
  kind: 'matrix';
  selector: VectorSelector;
  rangeMs: number;
  span: Span;
}

export interface SubqueryExpr {
  kind: 'subquery';
  expr: Expr;
  rangeMs: number;
  /** 0: the engine's default subquery step. */
  stepMs: number;
  offsetMs: number;
  at: AtModifier | undefined;
  span: Span;
}

export interface FunctionCall {
  kind: 'call';
  name: string;
  args: Expr[];
  span: Span;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export interface AggregateExpr {
  kind: 'aggregate';
  op: AggregateOp;
  expr: Expr;
  param: Expr | undefined;
  grouping: string[];
  without: boolean;
  span: Span;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** `on(...)` when true, `ignoring(...)` (or no clause) when false. */
  on: boolean;
  labels: string[];
  /** The labels of `group_left(...)`/`group_right(...)`. */
  include: string[];
}

export interface BinaryExpr {
  kind: 'binary';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Only between two instant vectors. */
  matching: VectorMatching | undefined;
  span: Span;
}

export interface UnaryExpr {
  kind: 'unary';
  op: '+' | '-';
  expr: Expr;
  span: Span;
}

export interface ParenExpr {
  kind: 'paren';
  expr: Expr;
  span: Span;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | FunctionCall
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export const COMPARISON_OPS: ReadonlySet<string> = new Set(['==', '!=', '>', '<', '>=', '<=']);
export const SET_OPS: ReadonlySet<string> = new Set(['and', 'or', 'unless']);

/** The value type an expression evaluates to (Prometheus' `Expr.Type()`). */
export function typeOf(expr: Expr, functionReturn: (name: string) => ValueType): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar';
    case 'string':
      return 'string';
    case 'vector':
      return 'vector';
    case 'matrix':
    case 'subquery':
      return 'matrix';
    case 'call':
      return functionReturn(expr.name);
    case 'aggregate':
      return 'vector';
    case 'binary':
      return typeOf(expr.lhs, functionReturn) === 'scalar' && typeOf(expr.rhs, functionReturn) === 'scalar'
        ? 'scalar'
        : 'vector';
    case 'unary':
    case 'paren':
      return typeOf(expr.expr, functionReturn);
  }
}

/** Prometheus' names for value types in messages. */
export function documentedType(type: ValueType | 'none'): string {
  switch (type) {
    case 'vector':
      return 'instant vector';
    case 'matrix':
      return 'range vector';
    case 'scalar':
    case 'string':
    case 'none':
      return type;
  }
}
