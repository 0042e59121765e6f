import { parse } from 'yaml';
import { DomainError } from '../../domain/errors.js';
import { parseDuration } from '../../query/time-params.js';
import { GoTemplate, TemplateError } from './go-template.js';

/** An alerting rule of a Prometheus rule file, checked and with its templates parsed. */
export interface PromAlertRule {
  kind: 'alert';
  name: string;
  expr: string;
  forMs: number;
  keepFiringForMs: number;
  labels: Readonly<Record<string, string>>;
  annotations: Readonly<Record<string, string>>;
  labelTemplates: ReadonlyMap<string, GoTemplate>;
  annotationTemplates: ReadonlyMap<string, GoTemplate>;
  /** As written, for the rules API. */
  raw: { for?: string; keep_firing_for?: string };
}

/** A recording rule: its expression's result is written as the series `name`. */
export interface PromRecordRule {
  kind: 'record';
  name: string;
  expr: string;
  labels: Readonly<Record<string, string>>;
}

export type PromRule = PromAlertRule | PromRecordRule;

export interface PromRuleGroup {
  name: string;
  /** Where it came from: the file path, or `api` for groups put through PUT /api/alerts/rule-groups. */
  file: string;
  intervalMs: number;
  /** Prometheus' `limit`: at most this many alerts or series per evaluation (0: none). */
  limit: number;
  rules: PromRule[];
}

export interface RuleFileOptions {
  /** Evaluation interval of a group without `interval` (PROMETHEUS_RULES_DEFAULT_INTERVAL). */
  defaultIntervalMs: number;
  /** Throws when the expression is not valid PromQL (the engine's parser); its message is kept. */
  validateExpr: (expr: string) => void;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const GROUP_KEYS = new Set(['name', 'interval', 'limit', 'rules', 'query_offset']);
const RULE_KEYS = new Set(['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations']);

/** Whether a parsed YAML/JSON document is a Prometheus rule file (`groups:`) rather than the service's (`rules:`). */
export function isPrometheusRuleFile(document: unknown): boolean {
  return (
    typeof document === 'object' && document !== null && !Array.isArray(document) && 'groups' in document
  );
}

/** Parses the text of a rule file (YAML, or JSON which is YAML) and checks it like `promtool check rules`. */
export function parseRuleFileText(text: string, file: string, options: RuleFileOptions): PromRuleGroup[] {
  const tooDeep = nestingProblem(text);
  if (tooDeep !== undefined) throw invalid('', tooDeep);
  let document: unknown;
  try {
    document = parse(text, { uniqueKeys: true });
  } catch (error) {
    throw invalid('', `not YAML or JSON: ${(error as Error).message}`);
  }
  return checkRuleFile(document, file, options);
}

/** Deeper than any rule file goes (groups → rules → labels is four levels). */
const MAX_FLOW_DEPTH = 64;
const MAX_INDENT = 256;

/**
 * Why the text nests too deeply to parse, or undefined. The YAML parser recurses per level: a body of a few
 * thousand `[` exhausted V8 (a stack overflow, then an out-of-memory crash of the whole process), so depth
 * is measured before parsing: brackets and braces outside quotes, and indentation.
 */
function nestingProblem(text: string): string | undefined {
  let depth = 0;
  let quote: string | undefined;
  let lineStart = true;
  let indent = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n') {
      lineStart = true;
      indent = 0;
      continue;
    }
    if (lineStart && (c === ' ' || c === '\t')) {
      if (++indent > MAX_INDENT) return `indented deeper than ${String(MAX_INDENT)} columns`;
      continue;
    }
    lineStart = false;
    if (quote !== undefined) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') {
      if (++depth > MAX_FLOW_DEPTH) return `nested deeper than ${String(MAX_FLOW_DEPTH)} levels`;
    } else if (c === ']' || c === '}') depth = Math.max(0, depth - 1);
  }
  return undefined;
}

function invalid(field: string, why: string): DomainError {
  return new DomainError('invalid_rule', 422, why, field === '' ? undefined : field);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A Prometheus rule file's document: groups, rules, fields, expressions and templates, all checked. */
export function checkRuleFile(document: unknown, file: string, options: RuleFileOptions): PromRuleGroup[] {
  if (!isRecord(document) || !Array.isArray(document.groups))
    throw invalid('groups', 'a Prometheus rule file is an object with a "groups:" list');
  for (const key of Object.keys(document))
    if (key !== 'groups') throw invalid(key, `field ${key} not found in type rulefmt.RuleGroups`);
  const names = new Set<string>();
  return document.groups.map((group: unknown, g) => {
    const at = `groups[${String(g)}]`;
    if (!isRecord(group)) throw invalid(at, 'a group is an object with name and rules');
    for (const key of Object.keys(group))
      if (!GROUP_KEYS.has(key))
        throw invalid(`${at}.${key}`, `field ${key} not found in type rulefmt.RuleGroup`);
    if (typeof group.name !== 'string' || group.name === '')
      throw invalid(`${at}.name`, 'Groupname must not be empty');
    if (names.has(group.name))
      throw invalid(`${at}.name`, `${group.name}: repeated in the same file (group names must be unique)`);
    names.add(group.name);
    const intervalMs =
      group.interval === undefined
        ? options.defaultIntervalMs
        : duration(group.interval, `${at}.interval`, group.name);
    if (intervalMs <= 0)
      throw invalid(`${at}.interval`, `group "${group.name}": interval must be longer than 0`);
    const limit = group.limit ?? 0;
    if (typeof limit !== 'number' || !Number.isSafeInteger(limit) || limit < 0)
      throw invalid(`${at}.limit`, `group "${group.name}": limit must be a non-negative integer`);
    if (group.rules !== undefined && group.rules !== null && !Array.isArray(group.rules))
      throw invalid(`${at}.rules`, `group "${group.name}": rules must be a list`);
    const rules = ((group.rules as unknown[] | null | undefined) ?? []).map((rule, r) =>
      checkRule(rule, `${at}.rules[${String(r)}]`, group.name as string, options),
    );
    return { name: group.name, file, intervalMs, limit, rules };
  });
}

function duration(raw: unknown, field: string, group: string): number {
  if (typeof raw !== 'string' || !/^(\d+(ms|s|m|h|d|w|y))+$/.test(raw))
    throw invalid(field, `group "${group}": "${String(raw)}" is not a Prometheus duration (30s, 5m, 1h30m)`);
  return parseDuration(raw, field);
}

function stringMap(raw: unknown, field: string, who: string): Record<string, string> {
  if (raw === undefined || raw === null) return {};
  if (!isRecord(raw)) throw invalid(field, `${who}: must be a map of names to strings`);
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (!LABEL_NAME.test(key)) throw invalid(`${field}.${key}`, `${who}: invalid name "${key}"`);
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
      throw invalid(`${field}.${key}`, `${who}: the value must be a string`);
    out[key] = String(value);
  }
  return out;
}

function templates(map: Record<string, string>, field: string, who: string): Map<string, GoTemplate> {
  const out = new Map<string, GoTemplate>();
  for (const [key, text] of Object.entries(map)) {
    try {
      out.set(key, GoTemplate.parse(text));
    } catch (error) {
      if (!(error instanceof TemplateError)) throw error;
      throw invalid(`${field}.${key}`, `${who}: template of ${key}: ${error.message}`);
    }
  }
  return out;
}

function checkRule(rule: unknown, at: string, group: string, options: RuleFileOptions): PromRule {
  if (!isRecord(rule))
    throw invalid(at, `group "${group}": a rule is an object with alert or record, and expr`);
  for (const key of Object.keys(rule))
    if (!RULE_KEYS.has(key))
      throw invalid(`${at}.${key}`, `group "${group}": field ${key} not found in type rulefmt.Rule`);
  const { alert, record } = rule;
  if ((alert === undefined) === (record === undefined))
    throw invalid(at, `group "${group}": one of 'record' or 'alert' must be set`);
  const name = String(alert ?? record);
  const who = `group "${group}", ${alert === undefined ? 'record' : 'alert'} "${name}"`;
  if (typeof rule.expr !== 'string' && typeof rule.expr !== 'number')
    throw invalid(`${at}.expr`, `${who}: field 'expr' must be set in rule`);
  const expr = String(rule.expr);
  if (expr.trim() === '') throw invalid(`${at}.expr`, `${who}: field 'expr' must be set in rule`);
  try {
    options.validateExpr(expr);
  } catch (error) {
    throw invalid(`${at}.expr`, `${who}: could not parse expression: ${(error as Error).message}`);
  }
  const labels = stringMap(rule.labels, `${at}.labels`, who);
  if (record !== undefined) {
    if (typeof record !== 'string' || !METRIC_NAME.test(record))
      throw invalid(`${at}.record`, `${who}: invalid recording rule name: ${name}`);
    for (const key of ['annotations', 'for', 'keep_firing_for'])
      if (rule[key] !== undefined)
        throw invalid(`${at}.${key}`, `${who}: invalid field '${key}' in recording rule`);
    if ('__name__' in labels) throw invalid(`${at}.labels.__name__`, `${who}: invalid label name: __name__`);
    return { kind: 'record', name, expr, labels };
  }
  if (typeof alert !== 'string' || alert === '') throw invalid(`${at}.alert`, `${who}: invalid alert name`);
  const annotations = stringMap(rule.annotations, `${at}.annotations`, who);
  const forRaw = rule.for;
  const keepRaw = rule.keep_firing_for;
  return {
    kind: 'alert',
    name,
    expr,
    forMs: forRaw === undefined ? 0 : duration(forRaw, `${at}.for`, group),
    keepFiringForMs: keepRaw === undefined ? 0 : duration(keepRaw, `${at}.keep_firing_for`, group),
    labels,
    annotations,
    labelTemplates: templates(labels, `${at}.labels`, who),
    annotationTemplates: templates(annotations, `${at}.annotations`, who),
    raw: {
      ...(typeof forRaw === 'string' ? { for: forRaw } : {}),
      ...(typeof keepRaw === 'string' ? { keep_firing_for: keepRaw } : {}),
    },
  };
}
