import type { Family, SeriesRegistry } from '../tsdb/registry.js';
import { yieldToEventLoop } from '../support/periodic-task.js';
import { escapeHelp, formatValue } from './text-format.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Lines rendered between two yields to the event loop: ~5 ms of work, far under the stall budget. */
const LINES_PER_SLICE = 20_000;

/**
 * Renders the ingested series (the current value of every label set) for /metrics. The rendering is
 * cached per registry version and format, and done in slices with yields, so 100,000 series neither
 * stall the event loop nor get re-rendered for every scraper.
 */
export class SeriesExposition {
  private readonly cache = new Map<ExpositionFormat, { version: number; body: Promise<string> }>();

  constructor(private readonly registry: SeriesRegistry) {}

  render(format: ExpositionFormat): Promise<string> {
    const cached = this.cache.get(format);
    if (cached !== undefined && cached.version === this.registry.version) return cached.body;
    const body = this.renderNow(format);
    this.cache.set(format, { version: this.registry.version, body });
    body.catch(() => this.cache.delete(format));
    return body;
  }

  private async renderNow(format: ExpositionFormat): Promise<string> {
    const parts: string[] = [];
    let lines = 0;
    // Snapshot the family list: families added while we yield appear in the next rendering.
    for (const family of [...this.registry.families.values()]) {
      if (!family.committed) continue;
      lines += renderFamily(family, format, parts);
      if (lines >= LINES_PER_SLICE) {
        lines = 0;
        await yieldToEventLoop();
      }
    }
    return parts.join('');
  }
}

function renderFamily(family: Family, format: ExpositionFormat, out: string[]): number {
  const { name, type, help, unit, buckets } = family.def;
  const om = format === 'openmetrics';
  const familyName = om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
  const sampleName = om && type === 'counter' ? `${familyName}_total` : name;
  let text = `# HELP ${familyName} ${escapeHelp(help || `${name} (pushed to metrics-service)`)}\n# TYPE ${familyName} ${type}\n`;
  if (om && unit !== '' && familyName.endsWith(`_${unit}`)) text += `# UNIT ${familyName} ${unit}\n`;
  let lines = 0;
  if (type === 'histogram') {
    const leTexts = [...buckets.map((b) => formatValue(b)), '+Inf'];
    for (const set of family.sets.values()) {
      if (!set.committed) continue;
      const prefix = set.labelText === '' ? '' : `${set.labelText},`;
      const labels = set.labelText === '' ? '' : `{${set.labelText}}`;
      const v = set.values;
      for (let i = 0; i < leTexts.length; i++) {
        text += `${name}_bucket{${prefix}le="${leTexts[i]!}"} ${formatValue(v[i]!)}\n`;
      }
      text += `${name}_sum${labels} ${formatValue(v[leTexts.length]!)}\n${name}_count${labels} ${formatValue(v[leTexts.length + 1]!)}\n`;
      lines += leTexts.length + 2;
    }
  } else {
    for (const set of family.sets.values()) {
      if (!set.committed) continue;
      text +=
        set.labelText === ''
          ? `${sampleName} ${formatValue(set.values[0]!)}\n`
          : `${sampleName}{${set.labelText}} ${formatValue(set.values[0]!)}\n`;
      lines++;
    }
  }
  out.push(text);
  return lines;
}
