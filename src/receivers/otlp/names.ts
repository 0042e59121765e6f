/**
 * OTLP names to Prometheus names, as the OpenTelemetry-to-Prometheus compatibility spec says
 * (specification/compatibility/prometheus_and_openmetrics.md, "OTLP Metric points to Prometheus"), and as
 * Prometheus' own OTLP receiver does (prometheus/otlptranslator): characters outside the name alphabet
 * become `_`, runs of `_` collapse, the UCUM unit becomes a word suffix, a monotonic sum gets `_total`.
 */

/** UCUM units the spec lists, with the word Prometheus uses. Others pass through sanitised. */
const UNIT_WORDS: Readonly<Record<string, string>> = {
  d: 'days',
  h: 'hours',
  min: 'minutes',
  s: 'seconds',
  ms: 'milliseconds',
  us: 'microseconds',
  ns: 'nanoseconds',
  By: 'bytes',
  KiBy: 'kibibytes',
  MiBy: 'mebibytes',
  GiBy: 'gibibytes',
  TiBy: 'tebibytes',
  KBy: 'kilobytes',
  kBy: 'kilobytes',
  MBy: 'megabytes',
  GBy: 'gigabytes',
  TBy: 'terabytes',
  m: 'meters',
  V: 'volts',
  A: 'amperes',
  J: 'joules',
  W: 'watts',
  g: 'grams',
  Cel: 'celsius',
  Hz: 'hertz',
  '%': 'percent',
};

/** The `per` part of a rate unit ("m/s" → meters_per_second). */
const PER_UNIT_WORDS: Readonly<Record<string, string>> = {
  s: 'second',
  m: 'minute',
  h: 'hour',
  d: 'day',
  w: 'week',
  mo: 'month',
  y: 'year',
};

export type PrometheusKind = 'counter' | 'gauge' | 'histogram';

export interface PrometheusName {
  name: string;
  /** The unit word for the family's UNIT metadata (empty when none). */
  unit: string;
}

/** Replaces what a Prometheus name may not hold with `_` and collapses runs of `_` (so no name starts with the reserved `__`). */
function sanitise(text: string, allowColon: boolean): string {
  const replaced = text.replace(allowColon ? /[^a-zA-Z0-9_:]+/g : /[^a-zA-Z0-9_]+/g, '_');
  return replaced.replace(/__+/g, '_');
}

/** The unit word of a UCUM unit: annotations in braces dropped, "x/y" as "x_per_y", "1" a ratio (gauges). */
export function unitWord(ucum: string, kind: PrometheusKind): string {
  const bare = ucum.replace(/\{[^}]*\}/g, '').trim();
  if (bare === '') return '';
  if (bare === '1') return kind === 'gauge' ? 'ratio' : '';
  const [main = '', per] = bare.split('/', 2);
  const mainWord = UNIT_WORDS[main] ?? main;
  const perWord = per === undefined ? '' : (PER_UNIT_WORDS[per] ?? UNIT_WORDS[per] ?? per);
  const word = perWord === '' ? mainWord : mainWord === '' ? `per_${perWord}` : `${mainWord}_per_${perWord}`;
  return sanitise(word, false).replace(/^_+|_+$/g, '');
}

/**
 * The Prometheus name of an OTLP metric. With suffixes on, the unit word is appended unless the name
 * already ends with it, then `_total` for a counter (a name already ending in `_total` keeps one).
 */
export function prometheusName(
  otlpName: string,
  ucum: string,
  kind: PrometheusKind,
  suffixes: boolean,
): PrometheusName {
  let name = sanitise(otlpName, true);
  if (/^[0-9]/.test(name)) name = `_${name}`;
  const unit = unitWord(ucum, kind);
  if (!suffixes) return { name, unit };
  const isCounter = kind === 'counter';
  if (isCounter) name = name.replace(/_total$/, '');
  if (unit !== '' && !name.endsWith(`_${unit}`) && name !== unit) name = `${name}_${unit}`;
  if (isCounter) name = `${name}_total`;
  return { name, unit };
}

/**
 * The label name of an attribute key: `_` for what a label name may not hold, runs of `_` collapsed,
 * `key_` before a leading digit, and `key` before a single leading `_` (so the result is never reserved).
 */
export function labelName(key: string): string {
  let name = sanitise(key, false);
  if (name === '') return '';
  if (/^[0-9]/.test(name)) name = `key_${name}`;
  else if (name.startsWith('_')) name = `key${name}`;
  return name;
}
