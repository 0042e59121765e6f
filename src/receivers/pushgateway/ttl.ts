const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };
const MAX_TTL_SECONDS = 3650 * 86_400;

/**
 * A group's TTL from `?ttl=` or the `Push-TTL` header: seconds (`600`) or a Prometheus duration (`10m`,
 * `1h30m`); `0` keeps the group until deleted. A string when it does not parse (the route answers 400).
 */
export function parseTtl(text: string): number | string {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return check(Number(trimmed));
  if (!/^(\d+(ms|s|m|h|d|w))+$/.test(trimmed)) {
    return `ttl "${trimmed.slice(0, 40)}" is neither seconds nor a duration such as 10m or 1h30m`;
  }
  let seconds = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)(ms|s|m|h|d|w)/g)) {
    seconds += Number(amount) * UNIT_SECONDS[unit!]!;
  }
  return check(seconds);
}

function check(seconds: number): number | string {
  return seconds <= MAX_TTL_SECONDS
    ? seconds
    : `ttl is at most ${String(MAX_TTL_SECONDS)} seconds (10 years)`;
}
