import type { SenderMetadata } from './write-series.js';

const PART_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/**
 * Remote write 1.0 sends metadata apart from samples (every minute, in its own requests), keyed by metric
 * family name: a histogram `x` describes the series `x_bucket`, `x_sum` and `x_count`. Kept here, bounded,
 * so later samples find their family's type, HELP and unit. Memory only: after a restart the sender's next
 * metadata round fills it again, and families already stored keep theirs.
 */
export class MetadataCache {
  private readonly byFamily = new Map<string, SenderMetadata>();

  constructor(private readonly maxEntries = 100_000) {}

  remember(entries: ReadonlyMap<string, SenderMetadata>): void {
    for (const [name, metadata] of entries) {
      this.byFamily.delete(name);
      this.byFamily.set(name, metadata);
      if (this.byFamily.size > this.maxEntries) {
        // The oldest entry goes first (Map keeps insertion order; a refreshed entry moved to the end).
        const oldest = this.byFamily.keys().next().value;
        if (oldest !== undefined) this.byFamily.delete(oldest);
      }
    }
  }

  /** The metadata of the family a series belongs to: its own name, or the name without a histogram's suffix. */
  lookup(seriesName: string): SenderMetadata | undefined {
    const own = this.byFamily.get(seriesName);
    if (own !== undefined) return own;
    for (const suffix of PART_SUFFIXES) {
      if (!seriesName.endsWith(suffix)) continue;
      const family = this.byFamily.get(seriesName.slice(0, -suffix.length));
      if (family !== undefined && family.type !== 'counter' && family.type !== 'gauge') return family;
    }
    return undefined;
  }
}
