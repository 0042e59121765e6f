import type { JsonOperator, ServiceDefinition } from '../service-schema.js';
import type { ProbeReason } from './probe.js';

/** True when `status` matches one of the expected codes (200), ranges ("200-299") or classes ("2xx"). */
export function statusMatches(status: number, expected: readonly (number | string)[]): boolean {
  return expected.some((rule) => {
    if (typeof rule === 'number') return status === rule;
    if (rule.endsWith('xx')) return Math.floor(status / 100) === Number(rule[0]);
    const [low = 0, high = 0] = rule.split('-').map(Number);
    return status >= low && status <= high;
  });
}

/** The keyword and JSON conditions of an HTTP check against the body; undefined when they hold. */
export function bodyFailure(definition: ServiceDefinition, body: string): ProbeReason | undefined {
  const { keyword, invertKeyword, json } = definition;
  if (keyword !== undefined) {
    const found = body.includes(keyword);
    if (!found && !invertKeyword)
      return { code: 'keyword_missing', message: `the body does not contain "${keyword}"` };
    if (found && invertKeyword) return { code: 'keyword_present', message: `the body contains "${keyword}"` };
  }
  if (json !== undefined) {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      return { code: 'json_condition', message: 'the body is not JSON' };
    }
    const found = resolvePath(document, json.path);
    if (!holds(found, json.operator, json.value)) {
      const actual = found.exists ? JSON.stringify(found.value) : 'nothing';
      const wanted =
        json.operator === 'exists' ? 'to exist' : `${json.operator} ${JSON.stringify(json.value)}`;
      return {
        code: 'json_condition',
        message: `${json.path} is ${actual}, expected ${wanted}`,
      };
    }
  }
  return undefined;
}

/** Follows $.a.b, $.items[0], $["odd key"]: plain property steps, no expressions, no code. */
export function resolvePath(document: unknown, path: string): { exists: boolean; value?: unknown } {
  const steps = path.slice(1).match(/\.[A-Za-z_][A-Za-z0-9_-]*|\[[0-9]+\]|\["[^"]*"\]/g) ?? [];
  let current = document;
  for (const step of steps) {
    const key = step.startsWith('.')
      ? step.slice(1)
      : step.startsWith('["')
        ? step.slice(2, -2)
        : Number(step.slice(1, -1));
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return { exists: false };
    current = (current as Record<string | number, unknown>)[key];
  }
  return { exists: true, value: current };
}

function holds(
  found: { exists: boolean; value?: unknown },
  operator: JsonOperator,
  expected: unknown,
): boolean {
  if (operator === 'exists') return found.exists;
  if (!found.exists) return operator === '!=';
  const actual = found.value;
  switch (operator) {
    case '==':
      return looselyEqual(actual, expected);
    case '!=':
      return !looselyEqual(actual, expected);
    case 'contains':
      return Array.isArray(actual)
        ? actual.some((item) => looselyEqual(item, expected))
        : typeof actual === 'string' && actual.includes(String(expected));
    case '<':
    case '<=':
    case '>':
    case '>=':
      return compare(actual, expected, operator);
  }
}

/** "1" == 1 and "true" == true: health endpoints disagree on types, the condition is about meaning. */
function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  const a = scalarText(actual);
  return a !== undefined && a === scalarText(expected);
}

function scalarText(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
    ? String(value)
    : undefined;
}

function compare(actual: unknown, expected: unknown, operator: '<' | '<=' | '>' | '>='): boolean {
  const a = Number(actual);
  const b = Number(expected);
  if (typeof actual === 'boolean' || Number.isNaN(a) || Number.isNaN(b)) return false;
  return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
}
