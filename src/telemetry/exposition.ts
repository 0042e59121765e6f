import type { Family, LabelSet, SeriesRegistry } from '../tsdb/registry.js';
import { yieldToEventLoop } from '../support/periodic-task.js';
import { escapeHelp, formatValue } from './text-format.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Lines rendered between two yields to the event loop: a few ms of work, far under the stall budget. */
const LINES_PER_SLICE = 2_500;
/** Rendered text is handed out in pieces of about this many characters, never joined into one string. */
const PIECE_CHARS = 64 * 1024;

/**
 * Renders the ingested series (the current value of every label set) for /metrics, as a list of text
 * pieces to stream. Three levels of reuse, because most series do not change between two scrapes:
 * the whole rendering per registry version, each family's text per family version, and each counter or
 * gauge line until its value changes (see LabelSet.scalarLine). A family that must be rendered again is
 * done in slices with yields, so 100,000 changed series never stall the event loop.
 */
export class SeriesExposition {
  private readonly cache = new Map<ExpositionFormat, { version: number; pieces: Promise<string[]> }>();
  private readonly familyTexts: Record<ExpositionFormat, WeakMap<Family, { version: number; text: string }>> =
    { text: new WeakMap(), openmetrics: new WeakMap() };

  constructor(private readonly registry: SeriesRegistry) {}

  render(format: ExpositionFormat): Promise<string[]> {
    const cached = this.cache.get(format);
    if (cached !== undefined && cached.version === this.registry.version) return cached.pieces;
    const pieces = this.renderNow(format);
    this.cache.set(format, { version: this.registry.version, pieces });
    pieces.catch(() => this.cache.delete(format));
    return pieces;
  }

  private async renderNow(format: ExpositionFormat): Promise<string[]> {
    const out = new PieceWriter();
    const texts = this.familyTexts[format];
    let lines = 0;
    // Snapshot the family list: families added while we yield appear in the next rendering.
    for (const family of [...this.registry.families.values()]) {
      if (!family.committed) continue;
      const cached = texts.get(family);
      if (cached?.version === family.version) {
        out.write(cached.text);
        continue;
      }
      const version = family.version;
      const parts: string[] = [familyHeader(family, format)];
      const sampleName = sampleNameOf(family, format);
      const histogram = family.def.type === 'histogram';
      for (const set of family.sets.values()) {
        if (!set.committed) continue;
        if (histogram) {
          parts.push(histogramLines(set));
          lines += family.seriesPerSet;
        } else {
          parts.push(set.linePrefix(sampleName) + formatValue(set.values[0]!) + '\n');
          lines++;
        }
        if (lines >= LINES_PER_SLICE) {
          lines = 0;
          await yieldToEventLoop();
        }
      }
      const text = parts.join('');
      // Cache only a text that no write overtook while we yielded.
      if (family.version === version) texts.set(family, { version, text });
      out.write(text);
    }
    return out.finish();
  }
}

class PieceWriter {
  private readonly pieces: string[] = [];
  private current = '';

  write(text: string): void {
    this.current += text;
    if (this.current.length >= PIECE_CHARS) {
      this.pieces.push(this.current);
      this.current = '';
    }
  }

  finish(): string[] {
    if (this.current.length > 0) this.pieces.push(this.current);
    return this.pieces;
  }
}

function sampleNameOf(family: Family, format: ExpositionFormat): string {
  const { name, type } = family.def;
  if (format !== 'openmetrics' || type !== 'counter') return name;
  return name.endsWith('_total') ? name : `${name}_total`;
}

function familyHeader(family: Family, format: ExpositionFormat): string {
  const { name, type, help, unit } = family.def;
  const om = format === 'openmetrics';
  const familyName = om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
  let text = `# HELP ${familyName} ${escapeHelp(help || `${name} (pushed to metrics-service)`)}\n# TYPE ${familyName} ${type}\n`;
  if (om && unit !== '' && familyName.endsWith(`_${unit}`)) text += `# UNIT ${familyName} ${unit}\n`;
  return text;
}

function histogramLines(set: LabelSet): string {
  const { name, buckets } = set.family.def;
  const labels = set.labelText;
  const prefix = labels === '' ? '' : `${labels},`;
  const braces = labels === '' ? '' : `{${labels}}`;
  const v = set.values;
  let text = '';
  for (let i = 0; i <= buckets.length; i++) {
    const le = i < buckets.length ? formatValue(buckets[i]!) : '+Inf';
    text += `${name}_bucket{${prefix}le="${le}"} ${formatValue(v[i]!)}\n`;
  }
  text += `${name}_sum${braces} ${formatValue(v[buckets.length + 1]!)}\n${name}_count${braces} ${formatValue(v[buckets.length + 2]!)}\n`;
  return text;
}
