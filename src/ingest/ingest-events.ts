/** Events the write path publishes on the bus once a write is durable. */
export interface IngestEvents {
  /** Names of the families that got samples (alert rules on them are evaluated at once). */
  'samples.accepted': ReadonlySet<string>;
}
