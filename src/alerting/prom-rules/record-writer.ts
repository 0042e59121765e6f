import type { IngestService } from '../../ingest/ingest-service.js';
import type { RecordWriter } from './rule-groups.js';

/**
 * Record rules write through the ingest path like any client: gauges at the evaluation time, in the
 * `custom` category, so they are stored, limited, queryable by PromQL and exposed on /metrics (ADR 0015).
 * Empty label values are dropped (Prometheus drops them too); what the ingest refuses is the rule's error.
 */
export function ingestRecordWriter(ingest: IngestService): RecordWriter {
  return async (samples, timeMs) => {
    const outcome = await ingest.ingest(
      samples.map((s) => ({
        name: s.name,
        type: 'gauge' as const,
        value: s.value,
        labels: Object.fromEntries(Object.entries(s.labels).filter(([, v]) => v !== '')),
        timestamp: timeMs,
      })),
      'custom',
    );
    const first = outcome.rejected[0];
    if (first === undefined) return undefined;
    return `${String(outcome.rejected.length)} of ${String(samples.length)} samples refused, first: ${first.code} ${first.reason}`;
  };
}
