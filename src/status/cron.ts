import { DomainError } from '../domain/errors.js';

/**
 * A five-field cron expression (minute hour day-of-month month day-of-week), as Vixie cron reads it:
 * `*`, numbers, ranges `a-b`, lists `a,b`, steps `*\/n` and `a-b/n`; day of week 0–7 (0 and 7 are
 * Sunday); when both day fields are restricted, either matching is enough. No cron library is installed
 * here (cron-parser, croner) and this subset is ~60 lines, checked by property tests (test/status/cron).
 */
export interface CronExpression {
  minutes: ReadonlySet<number>;
  hours: ReadonlySet<number>;
  daysOfMonth: ReadonlySet<number>;
  months: ReadonlySet<number>;
  daysOfWeek: ReadonlySet<number>;
  domRestricted: boolean;
  dowRestricted: boolean;
}

const FIELDS = [
  ['minute', 0, 59],
  ['hour', 0, 23],
  ['day of month', 1, 31],
  ['month', 1, 12],
  ['day of week', 0, 7],
] as const;

function parseField(text: string, name: string, min: number, max: number, field: string): Set<number> {
  const out = new Set<number>();
  const bad = (why: string): DomainError =>
    new DomainError('invalid_cron', 422, `cron ${name} "${text}": ${why}`, field);
  for (const part of text.split(',')) {
    const match = /^(\*|(\d+)(?:-(\d+))?)(?:\/(\d+))?$/.exec(part);
    if (match === null) throw bad('use *, n, a-b, a,b or a step /n');
    const step = match[4] === undefined ? 1 : Number(match[4]);
    let from = min;
    let to = max;
    if (match[1] !== '*') {
      from = Number(match[2]);
      to = match[3] === undefined ? (match[4] === undefined ? from : max) : Number(match[3]);
    }
    if (from < min || to > max || from > to) throw bad(`out of ${String(min)}–${String(max)}`);
    if (step < 1) throw bad('the step must be at least 1');
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

export function parseCron(expression: string, field = 'cron'): CronExpression {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5)
    throw new DomainError(
      'invalid_cron',
      422,
      `a cron expression has five fields (minute hour day-of-month month day-of-week), got ${String(parts.length)}`,
      field,
    );
  const [minutes, hours, daysOfMonth, months, daysOfWeek] = FIELDS.map(([name, min, max], i) =>
    parseField(parts[i]!, name, min, max, field),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  if (daysOfWeek.has(7)) daysOfWeek.add(0);
  return {
    minutes,
    hours,
    daysOfMonth,
    months,
    daysOfWeek,
    domRestricted: !parts[2]!.startsWith('*'),
    dowRestricted: !parts[4]!.startsWith('*'),
  };
}

/** Whether a wall-clock minute (its fields as read in the window's time zone) is a firing time. */
export function cronMatches(
  cron: CronExpression,
  t: { minute: number; hour: number; day: number; month: number; weekday: number },
): boolean {
  if (!cron.minutes.has(t.minute) || !cron.hours.has(t.hour) || !cron.months.has(t.month)) return false;
  const dom = cron.daysOfMonth.has(t.day);
  const dow = cron.daysOfWeek.has(t.weekday);
  if (cron.domRestricted && cron.dowRestricted) return dom || dow;
  return dom && dow;
}
