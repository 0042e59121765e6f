/**
 * Go's number formatting as Prometheus' templates print numbers: `%v` (shortest, exponent below 1e-4
 * and from 1e6), `%.Ng` (N significant digits, exponent below 1e-4 and from 10^N) and `%.Nf`.
 */

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  return undefined;
}

/** `1.5e+06` from JS's `1.5e+6`: Go writes at least two exponent digits. */
function goExponent(text: string): string {
  return text.replace(/e([+-])(\d)$/, 'e$10$2');
}

function trimZeros(mantissa: string): string {
  return mantissa.includes('.') ? mantissa.replace(/0+$/, '').replace(/\.$/, '') : mantissa;
}

/** `%v` of a float64. */
export function goFloat(v: number): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  // strconv's shortest 'g' (what %v prints) switches to an exponent below 1e-4 and from 1e6 (eprec 6).
  const exp = Number(v.toExponential().split('e')[1]);
  if (exp < -4 || exp >= 6) return goExponent(v.toExponential());
  return String(v);
}

/** `%.{precision}g`. */
export function goG(v: number, precision = 6): string {
  const s = special(v);
  if (s !== undefined) return s;
  if (v === 0) return '0';
  const p = Math.max(precision, 1);
  const exp = v.toExponential(p - 1);
  const e = Number(exp.slice(exp.indexOf('e') + 1));
  if (e < -4 || e >= p) {
    const [mantissa, power] = exp.split('e') as [string, string];
    return goExponent(
      `${trimZeros(mantissa)}e${power.startsWith('-') ? power : `+${power.replace('+', '')}`}`,
    );
  }
  return trimZeros(v.toFixed(Math.max(p - 1 - e, 0)));
}

/** `%.{precision}f`. */
export function goF(v: number, precision = 6): string {
  const s = special(v);
  if (s !== undefined) return s;
  // toFixed switches to an exponent from 1e21; Go writes every digit (the double is an integer there).
  if (Math.abs(v) >= 1e21)
    return `${BigInt(v).toString()}${precision > 0 ? `.${'0'.repeat(precision)}` : ''}`;
  return v.toFixed(precision);
}

/** `%.{precision}e`. */
export function goE(v: number, precision = 6): string {
  return special(v) ?? goExponent(v.toExponential(precision));
}
