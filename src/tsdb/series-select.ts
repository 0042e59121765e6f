import type { Labels } from '../domain/metric.js';
import { formatValue } from '../telemetry/text-format.js';
import type { FamilyView, LabelSetView } from './read-port.js';

/** One exposed series of a label set: its labels as /metrics writes them, and its series id. */
export interface ExposedSeries {
  labels: Labels;
  id: number;
}

/**
 * The series a label set exposes in the text format, with `__name__`: a counter or gauge `x` is `x`; a
 * histogram `x` is `x_bucket{le="…"}` per bound (+Inf last), `x_sum` and `x_count`, in the order of its ids.
 */
export function exposedSeries(set: LabelSetView): ExposedSeries[] {
  const { name, type, buckets } = set.family.def;
  if (type !== 'histogram') return [{ labels: { __name__: name, ...set.labels }, id: set.ids[0]! }];
  const out: ExposedSeries[] = [];
  for (let i = 0; i <= buckets.length; i++) {
    const le = i < buckets.length ? formatValue(buckets[i]!) : '+Inf';
    out.push({ labels: { __name__: `${name}_bucket`, ...set.labels, le }, id: set.ids[i]! });
  }
  out.push({ labels: { __name__: `${name}_sum`, ...set.labels }, id: set.ids[buckets.length + 1]! });
  out.push({ labels: { __name__: `${name}_count`, ...set.labels }, id: set.ids[buckets.length + 2]! });
  return out;
}

/** The `__name__`s a family's series carry in the text format. */
export function exposedNamesOf(family: FamilyView): string[] {
  const { name, type } = family.def;
  return type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}

/** The committed families (by name) whose text-format series carry this `__name__`: at most one. */
export function familyNameOf(exposed: string, find: (name: string) => FamilyView | undefined): string[] {
  const candidates = [exposed];
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (exposed.endsWith(suffix)) candidates.push(exposed.slice(0, -suffix.length));
  }
  return candidates.filter((name) => {
    const family = find(name);
    if (family === undefined) return false;
    return family.def.type === 'histogram' ? name !== exposed : name === exposed;
  });
}
