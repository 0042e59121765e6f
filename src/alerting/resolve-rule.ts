import { DomainError } from '../domain/errors.js';
import { WINDOW_FUNCTIONS, type QueryFunction } from '../query/functions.js';
import { compileMatchers, parseMatcher, type LabelMatcher } from '../query/matchers.js';
import { parseDuration } from '../query/time-params.js';
import type { Rule, RuleOrigin } from './rule.js';
import type { RuleInput } from './rule-schema.js';

const DEFAULT_WINDOW_MS = 5 * 60_000;
const DEFAULT_REPEAT_MS = 4 * 3_600_000;

function invalid(field: string, why: string): DomainError {
  return new DomainError('invalid_rule', 422, why, field);
}

function duration(raw: string | undefined, field: string, fallback: number): number {
  if (raw === undefined) return fallback;
  try {
    return parseDuration(raw, field);
  } catch (error) {
    throw invalid(field, (error as Error).message);
  }
}

function matchers(raw: readonly string[] | undefined, field: string): LabelMatcher[] {
  try {
    const parsed = (raw ?? []).map((m, i) => parseMatcher(m, `${field}[${String(i)}]`));
    compileMatchers(parsed, field); // regexes compile now, not at the first evaluation
    return parsed;
  } catch (error) {
    if (error instanceof DomainError) throw invalid(error.field ?? field, error.message);
    throw error;
  }
}

function queryFunction(raw: string | undefined): QueryFunction | undefined {
  if (raw === undefined) return undefined;
  if ((WINDOW_FUNCTIONS as readonly string[]).includes(raw)) return raw as QueryFunction;
  const quantile = /^p(\d{1,2}(\.\d+)?)$/.exec(raw);
  if (quantile !== null) return { quantile: Number(quantile[1]) / 100 };
  throw invalid('aggregation.fn', `unknown function "${raw}": use ${WINDOW_FUNCTIONS.join(', ')} or p50…p99`);
}

/** Turns a validated input into the rule the engine runs, or throws a 422 naming the field. */
export function resolveRule(id: string, input: RuleInput, origin: RuleOrigin): Rule {
  const kind = input.kind ?? 'metric';
  let spec: Rule['spec'];
  if (kind === 'external') {
    spec = { kind };
  } else if (kind === 'health') {
    spec = {
      kind,
      state: input.healthState ?? 'down',
      services: input.services === undefined ? undefined : new Set(input.services),
    };
  } else {
    if (input.metricName === undefined) throw invalid('metricName', 'a metric rule needs metricName');
    // null: what JSON made of an infinite threshold an older version stored; the rule is skipped, not "> 0".
    if (input.threshold == null) throw invalid('threshold', 'a metric rule needs a finite threshold');
    const divide = input.divideBy;
    spec = {
      kind,
      metric: input.metricName,
      matchers: matchers(input.matchers, 'matchers'),
      fn: queryFunction(input.aggregation?.fn),
      windowMs: duration(input.aggregation?.window, 'aggregation.window', DEFAULT_WINDOW_MS),
      // A ratio is computed between groups; without `by`, everything is one group.
      by: input.aggregation?.by ?? (divide === undefined ? undefined : []),
      alertOnNoData: input.noData === 'alerting',
      divideBy:
        divide === undefined
          ? undefined
          : {
              metric: divide.metricName ?? input.metricName,
              matchers: matchers(divide.matchers, 'divideBy.matchers'),
            },
    };
  }
  return {
    id,
    name: input.name,
    spec,
    condition: input.condition ?? '>',
    threshold: input.threshold ?? 0,
    forMs: duration(input.for, 'for', 0),
    keepFiringForMs: duration(input.keepFiringFor, 'keepFiringFor', 0),
    repeatIntervalMs: duration(input.repeatInterval, 'repeatInterval', DEFAULT_REPEAT_MS),
    severity: input.severity ?? 'warning',
    labels: input.labels ?? {},
    annotations: input.annotations ?? {},
    channels: input.notificationChannels ?? [],
    enabled: input.enabled ?? true,
    origin,
    input,
    warnings: [],
  };
}
