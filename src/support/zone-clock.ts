const formatters = new Map<string, Intl.DateTimeFormat>();

/** A cached formatter reading instants on a zone's wall clock; throws a RangeError for an unknown zone. */
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` names an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterOf(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Instant `t` read on a wall clock of that zone, to the second, as a number of ms whose UTC fields are the
 * local ones (Intl is the only zone database at hand: no library needed for this one conversion).
 */
export function wallClockAt(t: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(new Date(t)))
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  return Date.UTC(p.year!, p.month! - 1, p.day, p.hour, p.minute, p.second);
}
