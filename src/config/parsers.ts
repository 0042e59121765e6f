/** Parsers for environment variables: each returns the value or a message saying what is wrong. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (error: string): Parsed<never> => ({ ok: false, error });

export function integer(min: number, max: number) {
  return (raw: string): Parsed<number> => {
    if (!/^-?\d+$/.test(raw.trim())) return fail(`must be a whole number, got "${raw}"`);
    const value = Number(raw);
    if (value < min || value > max) return fail(`must be between ${min} and ${max}, got ${value}`);
    return ok(value);
  };
}

export function boolean(raw: string): Parsed<boolean> {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return ok(true);
  if (['false', '0', 'no', 'off'].includes(value)) return ok(false);
  return fail(`must be true or false, got "${raw}"`);
}

export function oneOf<T extends string>(...choices: T[]) {
  return (raw: string): Parsed<T> =>
    (choices as string[]).includes(raw)
      ? ok(raw as T)
      : fail(`must be one of ${choices.join(', ')}, got "${raw}"`);
}

export function text(raw: string): Parsed<string> {
  return ok(raw);
}

export function url(...protocols: string[]) {
  return (raw: string): Parsed<string> => {
    try {
      const parsed = new URL(raw);
      if (protocols.length > 0 && !protocols.includes(parsed.protocol.replace(/:$/, ''))) {
        return fail(`must be a ${protocols.join(' or ')} URL, got "${parsed.protocol}"`);
      }
      return ok(raw);
    } catch {
      return fail(`must be a URL, got "${raw}"`);
    }
  };
}

/** A comma-separated list; each item checked by `item` (which returns a problem or undefined). */
export function list(item: (entry: string) => string | undefined) {
  return (raw: string): Parsed<readonly string[]> => {
    const entries = raw
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '');
    const problem = entries.map(item).find((p) => p !== undefined);
    return problem === undefined ? ok(entries) : fail(problem);
  };
}

/** A secret: long enough that guessing it is hopeless, and never a well-known placeholder. */
export function secret(minLength: number) {
  const placeholders = new Set(['admin', 'changeme', 'change-me', 'password', 'secret']);
  return (raw: string): Parsed<string> => {
    if (raw.length < minLength) return fail(`must be at least ${minLength} characters long`);
    if (placeholders.has(raw.toLowerCase())) return fail('must not be a placeholder value');
    return ok(raw);
  };
}

/** An allowed browser origin: scheme, host and optional port, nothing else (`https://grafana.example`). */
export function originProblem(entry: string): string | undefined {
  try {
    const parsed = new URL(entry);
    if (['http:', 'https:'].includes(parsed.protocol) && parsed.origin === entry.replace(/\/$/, ''))
      return undefined;
  } catch {
    // reported below
  }
  return `"${entry}" is not an origin (scheme://host[:port])`;
}

/**
 * TRUST_PROXY as Fastify takes it: true/false, a hop count, or the proxies' addresses and CIDRs. Only
 * those proxies' X-Forwarded-For is believed, so a client cannot pick its own address for rate limits.
 */
export function trustProxy(raw: string): Parsed<boolean | number | readonly string[]> {
  const value = raw.trim().toLowerCase();
  if (value === 'true' || value === 'false') return ok(value === 'true');
  if (/^\d+$/.test(value)) return ok(Number(value));
  const entries = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  const bad = entries.find((entry) => !/^[0-9a-f.:]+(\/\d{1,3})?$/.test(entry));
  if (bad !== undefined) return fail(`must be true, false, a hop count or addresses/CIDRs, got "${bad}"`);
  return ok(entries);
}
