/**
 * Values that are decimals with few digits (counters, byte counts, percentages with two decimals) are
 * stored as scaled integers: far smaller than Gorilla's XOR of the raw float bits, and still exact because
 * a value is only accepted when `int / 10^scale` gives back the very same float.
 */
export const MAX_SCALE = 6;
export const MAX_SCALED = 2 ** 50;
export const POW10 = [1, 10, 100, 1000, 10_000, 100_000, 1_000_000] as const;

/** The smallest scale at which `value` is exactly representable, or -1. */
export function decimalScale(value: number): number {
  for (let scale = 0; scale <= MAX_SCALE; scale++) {
    if (scaledInt(value, scale) !== undefined) return scale;
  }
  return -1;
}

export function scaledInt(value: number, scale: number): number | undefined {
  const factor = POW10[scale]!;
  const scaled = Math.round(value * factor);
  if (Math.abs(scaled) > MAX_SCALED || scaled / factor !== value) return undefined;
  return scaled;
}
