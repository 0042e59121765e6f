import type { MetricCategory } from '../domain/metric.js';
import { compileMatchers, type LabelMatcher } from '../query/matchers.js';
import type { MetricStore } from '../storage/ports.js';
import type { DecodedChunkCache } from './decoded-chunk-cache.js';
import type { Heads } from './heads.js';
import type { FamilyView, LabelSetView, SampleRange, SelectedSeries, TsdbReader } from './read-port.js';
import type { SeriesRegistry } from './registry.js';
import { readSamples, withinRange, type SampleBuffers } from './sample-read.js';
import { exposedNamesOf, exposedSeries, familyNameOf, type ExposedSeries } from './series-select.js';

/** The read port over the TSDB's registry, heads and store. */
export class RegistryReader implements TsdbReader {
  constructor(
    private readonly registry: SeriesRegistry,
    private readonly heads: Heads,
    private readonly store: MetricStore,
  ) {}

  get version(): number {
    return this.registry.version;
  }

  get activeSeries(): number {
    return this.registry.activeSeries;
  }

  get familyCount(): number {
    return this.registry.families.size;
  }

  families(filter: { name?: string; category?: MetricCategory } = {}): FamilyView[] {
    return this.registry.committedFamilies(filter.name, filter.category);
  }

  allFamilies(): FamilyView[] {
    return [...this.registry.families.values()];
  }

  family(name: string): FamilyView | undefined {
    const family = this.registry.families.get(name);
    return family?.committed === true ? family : undefined;
  }

  labelSets(family: string, matchers: readonly LabelMatcher[]): LabelSetView[] {
    const sets = this.family(family)?.sets.values();
    if (sets === undefined) return [];
    const matches = compileMatchers(matchers);
    const out: LabelSetView[] = [];
    for (const set of sets) if (set.committed && matches(set.labels)) out.push(set);
    return out;
  }

  readSamples(
    ids: readonly number[],
    from: number,
    to: number,
    cache?: DecodedChunkCache,
    ofTotal?: number,
    buffers?: SampleBuffers,
  ): Promise<SampleRange[]> {
    return readSamples(this.heads, this.store, ids, from, to, cache, ofTotal, buffers);
  }

  async select(matchers: readonly LabelMatcher[], from: number, to: number): Promise<SelectedSeries[]> {
    const matches = compileMatchers(matchers);
    // Names first, once per family: a selector such as {__name__=~"http_.*"} skips most families whole.
    const nameMatches = compileMatchers(matchers.filter((m) => m.label === '__name__'));
    const picked: ExposedSeries[] = [];
    for (const family of this.candidates(matchers)) {
      if (!exposedNamesOf(family).some((name) => nameMatches({ __name__: name }))) continue;
      for (const set of family.sets.values()) {
        if (!set.committed) continue;
        for (const series of exposedSeries(set)) if (matches(series.labels)) picked.push(series);
      }
    }
    const samples = await this.readSamples(
      picked.map((s) => s.id),
      from,
      to,
    );
    return picked.map((series, i) => ({ ...series, samples: withinRange(samples[i]!, from) }));
  }

  /** The families a selector can match: the one its `__name__="…"` names, else all of them. */
  private candidates(matchers: readonly LabelMatcher[]): FamilyView[] {
    const byName = matchers.find((m) => m.label === '__name__' && m.op === '=');
    if (byName === undefined) return this.families();
    return familyNameOf(byName.value, (name) => this.family(name)).map((name) => this.family(name)!);
  }
}
