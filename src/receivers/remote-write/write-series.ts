import type { KnownSeries, SeriesLabels } from './series-labels-cache.js';

/** Prometheus' metric types, as both protocol versions name them (after their own spelling). */
export type SenderMetricType =
  'unknown' | 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset';

export interface SenderMetadata {
  type: SenderMetricType;
  help: string;
  unit: string;
}

/**
 * One series of a write request, whichever protocol version carried it: its labels in the order sent
 * (`__name__` included), its float samples, and how many native histograms and exemplars it brought.
 */
export interface WriteSeries {
  /** Shared between requests that sent the same label bytes (the decoder's cache): never changed. */
  labels: SeriesLabels;
  samples: { value: number; timestamp: number }[];
  histograms: number;
  exemplars: number;
  /** 2.0 carries metadata per series; 1.0 in separate entries of the request (see WriteRequestData). */
  metadata?: SenderMetadata;
  /** The decoder cache's entry for this series' label bytes (1.0), where later steps keep what they learn. */
  known?: KnownSeries;
}

/**
 * The samples of series whose label set the receiver knows (their cache entry has `set`), as the 1.0
 * decoder reads them: columns, no WriteSeries, sample object or array per series. Only series carrying
 * nothing but their leading labels, float samples and exemplars go here; any other is a WriteSeries.
 */
export interface KnownColumns {
  /** The series of each sample. */
  series: KnownSeries[];
  values: number[];
  timestamps: number[];
  /** Staleness markers of known series, skipped (a number array would not keep their bits). */
  staleMarkers: number;
  exemplars: number;
  /** The decoder's: the series whose samples it is reading. */
  current: KnownSeries | undefined;
}

export interface WriteRequestData {
  version: '1.0' | '2.0';
  series: WriteSeries[];
  /** 1.0 through the decoder's cache: the known series' samples (see KnownColumns). */
  known?: KnownColumns;
  /** 1.0's metadata, by metric family name. */
  familyMetadata: Map<string, SenderMetadata>;
}
