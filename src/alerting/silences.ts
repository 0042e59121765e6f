import { MAX_TIME_MS, clampTime, isTimeInRange } from '../domain/time-range.js';
import { compileMatchers, parseMatcher } from '../query/matchers.js';

/** A maintenance window: alerts whose labels match every matcher notify nobody between start and end. */
export interface Silence {
  id: string;
  matchers: string[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
}

/** The labels silences match against: the alert's own plus alertname, severity and rule id. */
export function silenceLabels(
  labels: Readonly<Record<string, string>>,
  ruleName: string,
  ruleId: string,
  severity: string,
): Record<string, string> {
  return { ...labels, alertname: ruleName, rule: ruleId, severity };
}

/**
 * A silence as stored, its times made readable. Older versions stored what they were sent: a time past
 * the Date range, or an infinite one (which JSON wrote as null). A missing or non-finite time reads as
 * the end of the range, so such a silence is never active (it can hide no alert); an out-of-range one is
 * clamped. `repaired` says the row needed it, for the log.
 */
export function storedSilence(data: string): { silence: Silence; repaired: boolean } {
  const silence = JSON.parse(data) as Silence;
  let repaired = false;
  for (const key of ['startsAt', 'endsAt', 'createdAt'] as const) {
    const raw: unknown = silence[key];
    if (typeof raw === 'number' && isTimeInRange(raw)) continue;
    silence[key] = typeof raw === 'number' && Number.isFinite(raw) ? clampTime(raw) : MAX_TIME_MS;
    repaired = true;
  }
  return { silence, repaired };
}

export class SilenceSet {
  private readonly compiled = new Map<
    string,
    { silence: Silence; test: (labels: Record<string, string>) => boolean }
  >();
  /** Other owners of quiet periods (maintenance windows of status pages), asked after the silences. */
  private readonly sources: ((
    labels: Readonly<Record<string, string>>,
    now: number,
  ) => string | undefined)[] = [];

  addSource(source: (labels: Readonly<Record<string, string>>, now: number) => string | undefined): void {
    this.sources.push(source);
  }

  put(silence: Silence): void {
    const test = compileMatchers(silence.matchers.map((m, i) => parseMatcher(m, `matchers[${String(i)}]`)));
    this.compiled.set(silence.id, { silence, test });
  }

  delete(id: string): boolean {
    return this.compiled.delete(id);
  }

  list(): Silence[] {
    return [...this.compiled.values()].map((c) => c.silence).sort((a, b) => a.startsAt - b.startsAt);
  }

  /** The id of an active silence covering these labels at `now`, or undefined. */
  match(labels: Record<string, string>, now: number): string | undefined {
    for (const { silence, test } of this.compiled.values()) {
      if (silence.startsAt <= now && now < silence.endsAt && test(labels)) return silence.id;
    }
    for (const source of this.sources) {
      const id = source(labels, now);
      if (id !== undefined) return id;
    }
    return undefined;
  }
}
