import { renderPromTemplates } from './prom-rules/render.js';
import type { Rule } from './rule.js';

/** What a rule's annotations may refer to. */
export interface TemplateData {
  value: number | null;
  threshold: number;
  rule: string;
  labels: Readonly<Record<string, string>>;
}

const PLACEHOLDER = /\{\{\s*(value|threshold|rule|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*\}\}/g;

/**
 * Fills `{{value}}`, `{{threshold}}`, `{{rule}}` and `{{labels.name}}`, nothing else: no filters, no
 * includes, no expressions, so a rule author can never read a file or run code (Uptime Kuma's LiquidJS
 * notification templates could). Unknown label names become empty text.
 */
export function renderTemplate(template: string, data: TemplateData): string {
  return template.replace(PLACEHOLDER, (_match, key: string, label: string | undefined) => {
    // Own labels only: `labels.__proto__` or `labels.constructor` must not reach Object.prototype.
    if (label !== undefined) return Object.hasOwn(data.labels, label) ? (data.labels[label] ?? '') : '';
    if (key === 'value') return data.value === null ? 'no data' : formatNumber(data.value);
    if (key === 'threshold') return formatNumber(data.threshold);
    return data.rule;
  });
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(4)));
}

/** A rule's annotations for one label set and value (rendered at each evaluation, not once). */
export function renderAnnotations(
  rule: Pick<Rule, 'annotations' | 'threshold' | 'name'> & { spec?: Rule['spec'] },
  labels: Readonly<Record<string, string>>,
  value: number | null,
): Record<string, string> {
  // Prometheus rules: their own template language (a Go text/template subset), as Prometheus renders them.
  if (rule.spec?.kind === 'promql') return renderPromTemplates(rule.spec.annotationTemplates, labels, value);
  const data = { value, threshold: rule.threshold, rule: rule.name, labels };
  const out: Record<string, string> = {};
  for (const [key, template] of Object.entries(rule.annotations)) out[key] = renderTemplate(template, data);
  return out;
}
