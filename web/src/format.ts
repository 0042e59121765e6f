/**
 * Numbers as people read them: 83 %, 1.2 s, 4.5 MB. One place, so the tiles, the charts' ticks and the
 * alert rows agree. Units follow Prometheus's base-unit naming (`_seconds`, `_bytes`, `_ratio`).
 */
export type Unit = 'seconds' | 'bytes' | 'ratio' | 'percent' | 'per_second' | '';

const trim = (v: number, digits: number): string => String(Number(v.toFixed(digits)));

export function formatSeconds(seconds: number): string {
  const abs = Math.abs(seconds);
  if (abs === 0) return '0 s';
  if (abs < 1e-3) return `${trim(seconds * 1e6, 0)} µs`;
  if (abs < 1) return `${trim(seconds * 1000, abs < 0.01 ? 1 : 0)} ms`;
  if (abs < 60) return `${trim(seconds, abs < 10 ? 2 : 1)} s`;
  if (abs < 3600) return `${trim(seconds / 60, 1)} min`;
  if (abs < 86_400) return `${trim(seconds / 3600, 1)} h`;
  return `${trim(seconds / 86_400, 1)} d`;
}

/** The unit a seconds axis reads in, from its largest tick: [multiplier, unit]. */
function secondsUnitOf(largest: number): [number, string] {
  if (largest < 1e-3) return [1e6, 'µs'];
  if (largest < 1) return [1000, 'ms'];
  if (largest < 60) return [1, 's'];
  if (largest < 3600) return [1 / 60, 'min'];
  if (largest < 86_400) return [1 / 3600, 'h'];
  return [1 / 86_400, 'd'];
}

/**
 * A seconds axis's tick labels, all in one unit (the one its largest tick reads in), with as few decimals as
 * tell the ticks apart: "0 ms, 20 ms, 40 ms", never "0 s" beside "20 ms" as formatSeconds gives tick by tick.
 */
export function formatSecondsAxis(ticks: readonly number[]): string[] {
  const [multiplier, unit] = secondsUnitOf(Math.max(0, ...ticks.map((t) => Math.abs(t))));
  const scaled = ticks.map((t) => t * multiplier);
  let digits = 0;
  while (digits < 3 && scaled.some((v) => Math.abs(v * 10 ** digits - Math.round(v * 10 ** digits)) > 1e-6))
    digits++;
  return scaled.map((v) => `${v.toFixed(digits)} ${unit}`);
}

const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

/** Decimal multiples (kB = 1000 B), as disk and network figures are usually quoted. */
export function formatBytes(bytes: number): string {
  let v = bytes;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < BYTE_UNITS.length - 1) {
    v /= 1000;
    i++;
  }
  return `${trim(v, Math.abs(v) < 10 && i > 0 ? 1 : 0)} ${BYTE_UNITS[i]!}`;
}

export function formatRatio(ratio: number): string {
  const percent = ratio * 100;
  const digits = Math.abs(percent) < 10 && percent !== 0 && !Number.isInteger(percent) ? 1 : 0;
  return `${trim(percent, digits)} %`;
}

/** Plain numbers with k / M / G for the large ones. */
export function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9, 1)} G`;
  if (abs >= 1e6) return `${trim(value / 1e6, 1)} M`;
  if (abs >= 1e4) return `${trim(value / 1e3, 1)} k`;
  if (abs >= 100) return trim(value, 0);
  if (abs >= 1) return trim(value, 2);
  return String(Number(value.toPrecision(3)));
}

export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined) return '–';
  if (!Number.isFinite(value)) return Number.isNaN(value) ? 'NaN' : value > 0 ? '+Inf' : '-Inf';
  switch (unit) {
    case 'seconds':
      return formatSeconds(value);
    case 'bytes':
      return formatBytes(value);
    case 'ratio':
      return formatRatio(value);
    case 'percent':
      return `${trim(value, 1)} %`;
    case 'per_second':
      return `${formatNumber(value)}/s`;
    default:
      return formatNumber(value);
  }
}

/** The unit a metric's name declares (Prometheus naming: base unit as the last word before _total). */
export function unitOfMetric(name: string): Unit {
  const base = name.replace(/_total$/, '');
  if (/_seconds$|_duration$|_latency$/.test(base)) return 'seconds';
  if (/_bytes$/.test(base)) return 'bytes';
  if (/_ratio$/.test(base)) return 'ratio';
  if (/_percent$/.test(base)) return 'percent';
  return '';
}

/** How long ago, in the largest whole unit: "5 s", "3 min", "2 h 10 min", "4 d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${String(s)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${String(m)} min`;
  const h = Math.floor(m / 60);
  if (h < 24) return m % 60 === 0 ? `${String(h)} h` : `${String(h)} h ${String(m % 60)} min`;
  return `${String(Math.floor(h / 24))} d`;
}
