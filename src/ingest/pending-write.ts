import { rejection, type Rejection } from '../domain/errors.js';
import type { StoredFamily } from '../storage/ports.js';
import type { Family, LabelSet } from '../tsdb/registry.js';
import type { Tsdb } from '../tsdb/tsdb.js';
import { WalRecordBuilder } from '../tsdb/wal-record.js';
import type { IngestSample, MetricSample } from './sample-schema.js';
import { nextScalar, nextValues } from './sample-values.js';

/** Where one label set stands within a request. */
interface Staged {
  t: number;
  /** A counter's or gauge's value: kept as a number, so a sample allocates no array. */
  value: number;
  /** A histogram's values, in the order of the set's ids (null for counters and gauges). */
  values: Float64Array | null;
}

interface Metadata {
  help: string;
  unit: string;
}

/**
 * What one ingest request will write: its write-ahead record, the values it leaves each label set
 * with, and the HELP text and unit its accepted samples bring. Readers see none of it until apply(), which
 * the request calls once the record is durable. One entry per label set touched: a set written several
 * times in a request is updated in place.
 */
export class PendingWrite {
  readonly wal: WalRecordBuilder;
  private readonly staged = new Map<LabelSet, Staged>();
  private readonly metadata = new Map<Family, Metadata>();

  constructor(expectedSamples: number) {
    this.wal = new WalRecordBuilder(expectedSamples);
  }

  /** Whether the request writes to this set. */
  touches(set: LabelSet): boolean {
    return this.staged.has(set);
  }

  /** Stages one sample at time t, or says why not (older than the set's newest sample), changing nothing. */
  stage(set: LabelSet, t: number, sample: IngestSample): Rejection | undefined {
    const entry = this.staged.get(set);
    const lastT = entry === undefined ? set.lastT : entry.t;
    if (t < lastT) {
      return rejection(
        'out_of_order_sample',
        `series already has a sample at ${new Date(lastT).toISOString()}; samples of a series must arrive in time order`,
        'timestamp',
      );
    }
    const type = set.family.def.type;
    if (type !== 'histogram') {
      const value =
        sample.cumulative === undefined
          ? nextScalar(type, entry === undefined ? set.values[0]! : entry.value, sample.value)
          : sample.value;
      this.wal.add(set.ids[0]!, t, value);
      if (entry === undefined) this.staged.set(set, { t, value, values: null });
      else {
        entry.t = t;
        entry.value = value;
      }
      return undefined;
    }
    const current = entry?.values ?? set.values;
    const values = nextValues(set, current, sample);
    for (let i = 0; i < values.length; i++) {
      // Unchanged buckets need no new sample: readers carry the last value forward.
      if (values[i] !== current[i] || lastT === Number.NEGATIVE_INFINITY) {
        this.wal.add(set.ids[i]!, t, values[i]!);
      }
    }
    if (entry === undefined) this.staged.set(set, { t, value: 0, values });
    else {
      entry.t = t;
      entry.values = values;
    }
    return undefined;
  }

  /**
   * Notes an accepted sample's HELP text and unit when they differ from its family's: the newest wins,
   * as in Prometheus, where each scrape brings the metadata anew. Absent fields change nothing.
   */
  describe(family: Family, sample: MetricSample): void {
    if (sample.help === undefined && sample.unit === undefined) return;
    const current = this.metadata.get(family) ?? family.def;
    const help = sample.help ?? current.help;
    const unit = sample.unit ?? current.unit;
    if (help !== current.help || unit !== current.unit) this.metadata.set(family, { help, unit });
  }

  /** The family as it will be stored: its definition with the HELP text and unit of this request. */
  described(family: Family): StoredFamily {
    return { ...family.def, ...this.metadata.get(family), createdAt: family.createdAt };
  }

  /** Existing families whose HELP text or unit this request changes. */
  redescribed(created: readonly Family[]): Family[] {
    return [...this.metadata.keys()].filter((family) => !created.includes(family));
  }

  /** Publishes the staged values and appends the record's samples to the heads (once it is durable). */
  apply(tsdb: Tsdb): void {
    this.staged.forEach((staged, set) => {
      // In place for counters and gauges: readers read values synchronously, and this is the moment
      // the new value becomes theirs anyway.
      if (staged.values === null) set.values[0] = staged.value;
      else set.values = staged.values;
      set.lastT = staged.t;
      set.family.version++;
    });
    this.wal.forEach((id, t, v) => tsdb.append(id, t, v));
    this.metadata.forEach(({ help, unit }, family) => {
      family.describe(help, unit);
    });
  }
}
