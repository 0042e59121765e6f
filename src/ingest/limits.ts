/** Every limit of the write path, from config; each breach is answered with a clear code. */
export interface IngestLimits {
  maxLabelsPerSeries: number;
  maxLabelNameLength: number;
  maxLabelValueLength: number;
  maxSeriesPerMetric: number;
  maxActiveSeries: number;
  maxBatchSamples: number;
  /** Samples older than now − retention are refused (they would be deleted at once). */
  retentionMs: number;
  /** Samples further ahead than this are refused (a clock error, or seconds sent as milliseconds). */
  maxFutureMs: number;
}
