import { RE2JS } from 're2js';
import { DomainError } from '../domain/errors.js';
import { labelValue, type Labels } from '../domain/metric.js';

export type MatchOp = '=' | '!=' | '=~' | '!~';

export interface LabelMatcher {
  label: string;
  op: MatchOp;
  value: string;
}

/** Longest regular expression accepted in a matcher: bounds the cost of compiling and running it. */
export const MAX_REGEX_LENGTH = 512;

/**
 * Parses `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"` (quotes optional), the
 * selector syntax of PromQL, one matcher per `match` parameter.
 */
export function parseMatcher(raw: string, field = 'match'): LabelMatcher {
  const match = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$/.exec(raw);
  if (match === null) {
    throw new DomainError(
      'invalid_query',
      422,
      `"${raw}" is not a label matcher (example: service="booking")`,
      field,
    );
  }
  let value = match[3]!;
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1).replace(/\\(["\\])/g, '$1');
  }
  return { label: match[1]!, op: match[2] as MatchOp, value };
}

/** A predicate over label sets; regexes are anchored at both ends, as in Prometheus. */
export function compileMatchers(
  matchers: readonly LabelMatcher[],
  field = 'match',
): (labels: Labels) => boolean {
  const tests = matchers.map(({ label, op, value }) => {
    if (op === '=' || op === '!=') {
      const equal = op === '=';
      return (labels: Labels) => ((labelValue(labels, label) ?? '') === value) === equal;
    }
    if (value.length > MAX_REGEX_LENGTH) {
      throw new DomainError(
        'invalid_query',
        422,
        `regular expressions are at most ${MAX_REGEX_LENGTH} characters`,
        field,
      );
    }
    // RE2 (the engine Prometheus uses, so the same syntax): linear time in the input whatever the
    // pattern, so a matcher like (a+)+$ cannot hang the event loop as a backtracking RegExp would.
    let regex: RE2JS;
    try {
      regex = RE2JS.compile(value);
    } catch (error) {
      throw new DomainError(
        'invalid_query',
        422,
        `invalid regular expression: ${(error as Error).message}`,
        field,
      );
    }
    const positive = op === '=~';
    return (labels: Labels) => regex.matches(labelValue(labels, label) ?? '') === positive;
  });
  return (labels) => tests.every((test) => test(labels));
}
