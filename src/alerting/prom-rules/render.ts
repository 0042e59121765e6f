import type { GoTemplate } from './go-template.js';

/** External labels and URL the templates see (`$externalLabels`, `$externalURL`): set once at start. */
export const templateContext: { externalLabels: Record<string, string>; externalUrl: string } = {
  externalLabels: {},
  externalUrl: '',
};

/**
 * Renders a Prometheus rule's templates for one alert. A template that fails at run time (a string where
 * a number was needed) gives Prometheus' text for it instead of stopping the evaluation.
 */
export function renderPromTemplates(
  templates: ReadonlyMap<string, GoTemplate>,
  labels: Readonly<Record<string, string>>,
  value: number | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  // Series labels only: without the rule's own labels and alertname, as Prometheus' $labels.
  for (const [key, template] of templates) {
    try {
      out[key] = template.render({
        value: value ?? Number.NaN,
        labels,
        externalLabels: templateContext.externalLabels,
        externalUrl: templateContext.externalUrl,
      });
    } catch (error) {
      out[key] = `<error expanding template: ${(error as Error).message}>`;
    }
  }
  return out;
}
