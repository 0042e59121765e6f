import type { FamilyView, LabelSetView, TsdbReader } from '../tsdb/read-port.js';
import { SliceBudget } from '../support/slice-budget.js';
import { escapeHelp, formatValue } from './text-format.js';

export type ExpositionFormat = 'text' | 'openmetrics';

export const CONTENT_TYPES: Record<ExpositionFormat, string> = {
  text: 'text/plain; version=0.0.4; charset=utf-8',
  openmetrics: 'application/openmetrics-text; version=1.0.0; charset=utf-8',
};

/** Default work between two yields to the event loop while families are rendered (EXPOSITION_SLICE_MS). */
export const DEFAULT_SLICE_MS = 5;

/**
 * One family's text at one family version in one format, in the pieces it was rendered in: a piece per
 * slice, never joined into one string (a family of 10,000 histogram sets is megabytes, and joining it
 * would be one long stall). Immutable: a new family version gets a new object, so what is derived from
 * the text (its compressed segment) can be cached on the object's identity.
 */
export interface RenderedFamily {
  readonly name: string;
  readonly pieces: readonly string[];
  /** Characters over all pieces. */
  readonly chars: number;
}

/** The ingested series at one registry version, family by family, in the registry's order. */
export interface Rendering {
  readonly families: readonly RenderedFamily[];
}

/**
 * Renders the ingested series (the current value of every label set) for /metrics. Three levels of reuse,
 * because most series do not change between two scrapes: the whole rendering per registry version, each
 * family's text per family version, and each label set's line prefix. Families that must be rendered
 * again are done in slices of at most `sliceMs` of work (see SliceBudget), so 100,000 changed series
 * never stall the event loop however long their lines are.
 */
export class SeriesExposition {
  private readonly cache = new Map<ExpositionFormat, { version: number; rendering: Promise<Rendering> }>();
  private readonly familyTexts: Record<
    ExpositionFormat,
    WeakMap<FamilyView, { version: number; rendered: RenderedFamily }>
  > = { text: new WeakMap(), openmetrics: new WeakMap() };
  private readonly sliceMs: number;

  constructor(
    private readonly reader: TsdbReader,
    options: { sliceMs?: number } = {},
  ) {
    this.sliceMs = options.sliceMs ?? DEFAULT_SLICE_MS;
  }

  render(format: ExpositionFormat): Promise<Rendering> {
    const cached = this.cache.get(format);
    if (cached !== undefined && cached.version === this.reader.version) return cached.rendering;
    const rendering = this.renderNow(format);
    this.cache.set(format, { version: this.reader.version, rendering });
    rendering.catch(() => this.cache.delete(format));
    return rendering;
  }

  private async renderNow(format: ExpositionFormat): Promise<Rendering> {
    const texts = this.familyTexts[format];
    const budget = new SliceBudget(this.sliceMs);
    const families: RenderedFamily[] = [];
    // Snapshot the family list: families added while we yield appear in the next rendering.
    for (const family of this.reader.allFamilies()) {
      if (!family.committed) continue;
      const cached = texts.get(family);
      if (cached?.version === family.version) {
        families.push(cached.rendered);
        if (budget.spent()) await budget.nextSlice();
        continue;
      }
      const version = family.version;
      const rendered = await renderFamily(family, format, budget);
      // Cache only a text that no write overtook while we yielded.
      if (family.version === version) texts.set(family, { version, rendered });
      families.push(rendered);
    }
    return { families };
  }
}

async function renderFamily(
  family: FamilyView,
  format: ExpositionFormat,
  budget: SliceBudget,
): Promise<RenderedFamily> {
  const pieces: string[] = [];
  let chars = 0;
  let lines: string[] = [familyHeader(family, format)];
  const sampleName = sampleNameOf(family, format);
  const histogram = family.def.type === 'histogram';
  const linesPerSet = family.seriesPerSet;
  // Live iteration: sets added while we yield are rendered, removed ones skipped (the version check of
  // the caller keeps such a text out of the cache).
  for (const set of family.sets.values()) {
    if (!set.committed) continue;
    lines.push(
      histogram ? histogramLines(set) : set.linePrefix(sampleName) + formatValue(set.values[0]!) + '\n',
    );
    if (budget.spent(linesPerSet)) {
      const piece = lines.join('');
      pieces.push(piece);
      chars += piece.length;
      lines = [];
      await budget.nextSlice();
    }
  }
  if (lines.length > 0) {
    const piece = lines.join('');
    pieces.push(piece);
    chars += piece.length;
  }
  return { name: family.def.name, pieces, chars };
}

function sampleNameOf(family: FamilyView, format: ExpositionFormat): string {
  const { name, type } = family.def;
  if (format !== 'openmetrics' || type !== 'counter') return name;
  return name.endsWith('_total') ? name : `${name}_total`;
}

function familyHeader(family: FamilyView, format: ExpositionFormat): string {
  const { name, type, help, unit } = family.def;
  const om = format === 'openmetrics';
  const familyName = om && type === 'counter' && name.endsWith('_total') ? name.slice(0, -6) : name;
  let text = `# HELP ${familyName} ${escapeHelp(help || `${name} (pushed to metrics-service)`)}\n# TYPE ${familyName} ${type}\n`;
  if (om && unit !== '' && familyName.endsWith(`_${unit}`)) text += `# UNIT ${familyName} ${unit}\n`;
  return text;
}

function histogramLines(set: LabelSetView): string {
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
