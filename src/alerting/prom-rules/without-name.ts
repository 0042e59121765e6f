import type { Labels } from '../../domain/metric.js';

/** A series' labels without `__name__`: what an alert or a recorded series keeps of it. */
export function withoutName(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) if (name !== '__name__') out[name] = value;
  return out;
}
