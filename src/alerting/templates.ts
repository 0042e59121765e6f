import { renderPromTemplates } from './prom-rules/render.js';
import type { Rule } from './rule.js';

/** What a rule's annotations may refer to. */
export interface TemplateData {
  value: number | null;
  threshold: number;
  rule: string;
  labels: Readonly<Record<string, string>>;
}

const PLACEHOLDER =
  /\{\{\s*(value|threshold|rule|labels\.([a-zA-Z_][a-zA-Z0-9_]*))\s*(?:\|\s*(humanize|humanizePercentage|humanizeDuration|humanize1024)\s*)?\}\}/g;

/**
 * Fills `{{value}}`, `{{threshold}}`, `{{rule}}` and `{{labels.name}}`, optionally through one of
 * Prometheus's humanising functions (`{{value | humanizePercentage}}` → "83 %", `humanizeDuration` →
 * "1.2 s", `humanize1024` → "4.5 MiB", `humanize` → "12.3 k"), nothing else: no other filters, no
 * includes, no expressions, so a rule author can never read a file or run code (Uptime Kuma's LiquidJS
 * notification templates could). Unknown label names become empty text.
 */
export function renderTemplate(template: string, data: TemplateData): string {
  return template.replace(
    PLACEHOLDER,
    (_match, key: string, label: string | undefined, filter: Humanizer | undefined) => {
      // Own labels only: `labels.__proto__` or `labels.constructor` must not reach Object.prototype.
      if (label !== undefined) return Object.hasOwn(data.labels, label) ? (data.labels[label] ?? '') : '';
      const format = filter === undefined ? formatNumber : HUMANIZERS[filter];
      if (key === 'value') return data.value === null ? 'no data' : format(data.value);
      if (key === 'threshold') return format(data.threshold);
      return data.rule;
    },
  );
}

type Humanizer = 'humanize' | 'humanizePercentage' | 'humanizeDuration' | 'humanize1024';

const short = (v: number): string => String(Number(v.toPrecision(3)));

function scaled(value: number, base: number, units: readonly string[]): string {
  let v = value;
  let i = 0;
  while (Math.abs(v) >= base && i < units.length - 1) {
    v /= base;
    i++;
  }
  return `${short(v)}${units[i] === '' ? '' : ` ${units[i]!}`}`;
}

function humanizeDuration(seconds: number): string {
  const abs = Math.abs(seconds);
  if (!Number.isFinite(seconds)) return formatNumber(seconds);
  if (abs === 0) return '0 s';
  if (abs < 1e-3) return `${short(seconds * 1e6)} µs`;
  if (abs < 1) return `${short(seconds * 1000)} ms`;
  if (abs < 60) return `${short(seconds)} s`;
  if (abs < 3600) return `${short(seconds / 60)} min`;
  if (abs < 86_400) return `${short(seconds / 3600)} h`;
  return `${short(seconds / 86_400)} d`;
}

const HUMANIZERS: Record<Humanizer, (value: number) => string> = {
  humanize: (v) => (Number.isFinite(v) ? scaled(v, 1000, ['', 'k', 'M', 'G', 'T', 'P']) : formatNumber(v)),
  humanizePercentage: (v) => (Number.isFinite(v) ? `${short(v * 100)} %` : formatNumber(v)),
  humanizeDuration,
  humanize1024: (v) =>
    Number.isFinite(v) ? scaled(v, 1024, ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']) : formatNumber(v),
};

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
