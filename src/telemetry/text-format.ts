/** Small helpers of the Prometheus text and OpenMetrics formats. */

export function escapeLabelValue(value: string): string {
  return /[\\"\n]/.test(value)
    ? value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')
    : value;
}

export function escapeHelp(text: string): string {
  return /[\\\n]/.test(text) ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
}

export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return twoDecimals(value) ?? String(value);
}

/**
 * Values with at most two decimals (percentages, prices, durations in ms) are most of what clients push.
 * Printing them from integers is about a third faster than the general shortest-round-trip algorithm,
 * and gives the same text: when cents / 100 is exactly the value, no shorter decimal maps to it.
 */
function twoDecimals(value: number): string | undefined {
  if (Number.isInteger(value)) return Math.abs(value) < 1e21 ? String(value) : undefined;
  const cents = Math.round(value * 100);
  if (cents / 100 !== value || Math.abs(cents) >= 1e15) return undefined;
  const abs = Math.abs(cents);
  const whole = Math.floor(abs / 100);
  const fraction = abs - whole * 100;
  const decimals =
    fraction % 10 === 0 ? String(fraction / 10) : fraction < 10 ? `0${String(fraction)}` : String(fraction);
  return `${cents < 0 ? '-' : ''}${String(whole)}.${decimals}`;
}
