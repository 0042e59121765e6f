import type { AcceptedSamples } from './accepted-samples.js';
import type { FamilyView } from '../tsdb/read-port.js';

/** Events the write path publishes on the bus once a write is durable. */
export interface IngestEvents {
  /** Names of the families that got samples (alert rules on them are evaluated at once). */
  'samples.accepted': ReadonlySet<string>;
}

/**
 * The names of the families of a durable write's samples: a loop, not `new Set(accepted.map(…))`, as
 * that array of one name per sample was a tenth of the cost of the shared ingest step on a batch.
 */
export function acceptedFamilyNames(accepted: AcceptedSamples): Set<string> {
  const names = new Set<string>();
  let previous: FamilyView | undefined;
  for (let at = 0; at < accepted.count; at++) {
    const family = accepted.setAt(at).family;
    // Samples of one family often come together (a sender's metric, then the next).
    if (family === previous) continue;
    previous = family;
    names.add(family.def.name);
  }
  return names;
}
