import type { Labels } from '../domain/metric.js';
import { ownProperty } from '../support/own-property.js';
import type { LabelSetView } from './read-port.js';
import { LabelSet } from './registry.js';

/**
 * Predicts the label set of a sender's next sample from the set of its previous one: senders write
 * their series in the same order on every push, so the set that came after this one last time is
 * usually the one asked for now. A hit costs a comparison of the sample's name and labels with that
 * set's; a miss costs nothing more than the lookup it falls back on (the family by name, then the
 * label set in its index), after which `note` records what came next.
 *
 * One order per ingest category: a prediction only ever yields a set that a sample of the same category
 * resolved through the full lookup (reserved-name check included) after the same previous set. The
 * links are fields of the sets (`next`, `nextOf`), read on a set the caller already holds, instead of a
 * Map probe by name per sample; detaching a set clears them, and `attached` says whether a predicted
 * set is still its family's.
 */
export class SeriesOrder {
  /**
   * The set that followed `previous` last time, when it is still current and the sample (`name`,
   * `labels` as own enumerable properties) writes exactly to it; otherwise undefined.
   */
  predict(previous: LabelSetView | null, name: string, labels: Labels): LabelSetView | undefined {
    if (!(previous instanceof LabelSet) || previous.nextOf !== this) return undefined;
    const next = previous.next!;
    if (!next.attached || next.family.def.name !== name || !sameLabels(next, labels)) return undefined;
    return next;
  }

  /** Records that the sample after `previous` wrote to `set`. */
  note(previous: LabelSetView | null, set: LabelSetView): void {
    if (!(previous instanceof LabelSet) || !(set instanceof LabelSet)) return;
    previous.next = set;
    previous.nextOf = this;
  }
}

/**
 * Whether `labels` holds exactly the set's labels, in any order. A stored label record is a plain frozen
 * object of strings: an inherited property read from it is never a string, so it never equals a value.
 */
function sameLabels(set: LabelSet, labels: Labels): boolean {
  const stored = set.labels;
  let count = 0;
  for (const name in labels) {
    if (!ownProperty.call(labels, name) || stored[name] !== labels[name]) return false;
    count++;
  }
  return count === set.labelCount;
}
