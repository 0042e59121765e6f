import type { IngestLimits } from '../../src/ingest/limits.js';

/** Ingest limits wide enough that a test about something else never meets one (a year of retention). */
export const WIDE_INGEST_LIMITS: IngestLimits = {
  maxLabelsPerSeries: 20,
  maxLabelNameLength: 100,
  maxLabelValueLength: 200,
  maxSeriesPerMetric: 1000,
  maxActiveSeries: 100_000,
  maxBatchSamples: 10_000,
  retentionMs: 365 * 86_400_000,
  maxFutureMs: 86_400_000,
};
