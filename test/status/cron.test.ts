import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../src/domain/errors.js';
import { compileSchedule } from '../../src/status/maintenance-schedule.js';
import { cronMatches, parseCron } from '../../src/status/cron.js';

const RANGES = [
  [0, 59],
  [0, 23],
  [1, 31],
  [1, 12],
  [0, 6],
] as const;

/** A field written as a list of values, ranges and steps, with the set of values it means. */
const field = (min: number, max: number) =>
  fc
    .array(
      fc.oneof(
        fc.integer({ min, max }).map((v) => ({ text: String(v), values: [v] })),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min, max }), fc.integer({ min: 1, max: 10 }))
          .map(([a, b, step]) => {
            const [lo, hi] = a <= b ? [a, b] : [b, a];
            const values: number[] = [];
            for (let v = lo; v <= hi; v += step) values.push(v);
            return { text: `${String(lo)}-${String(hi)}/${String(step)}`, values };
          }),
        fc.integer({ min: 1, max: 15 }).map((step) => {
          const values: number[] = [];
          for (let v = min; v <= max; v += step) values.push(v);
          return { text: `*/${String(step)}`, values };
        }),
      ),
      { minLength: 1, maxLength: 4 },
    )
    .map((parts) => ({
      text: parts.map((p) => p.text).join(','),
      values: new Set(parts.flatMap((p) => p.values)),
    }));

describe('cron expressions and maintenance schedules', () => {
  it('a parsed field means exactly the values it lists', () => {
    fc.assert(
      fc.property(fc.tuple(...RANGES.map(([min, max]) => field(min, max))), (fields) => {
        const cron = parseCron(fields.map((f) => f.text).join(' '));
        const sets = [cron.minutes, cron.hours, cron.daysOfMonth, cron.months, cron.daysOfWeek];
        fields.forEach((f, i) => {
          for (const v of f.values) assert.ok(sets[i]!.has(v));
          // Day of week 7 is Sunday again: `*` reaches it, and it reads as 0.
          for (const v of sets[i]!)
            assert.ok(f.values.has(v) || (i === 4 && v === 7 && f.values.has(0)), `${f.text}: ${String(v)}`);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('matches a minute exactly when every field does (day fields: either, when both are restricted)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('2000-01-01'), max: new Date('2099-12-31'), noInvalidDate: true }),
        fc.constantFrom('0 2 * * 0', '*/15 * * * *', '30 4 1,15 * 5', '0 0 * 2 *', '5-10 * * * 1-5'),
        (date, expression) => {
          const d = new Date(Math.floor(date.getTime() / 60_000) * 60_000);
          const t = {
            minute: d.getUTCMinutes(),
            hour: d.getUTCHours(),
            day: d.getUTCDate(),
            month: d.getUTCMonth() + 1,
            weekday: d.getUTCDay(),
          };
          const cron = parseCron(expression);
          const dom = cron.daysOfMonth.has(t.day);
          const dow = cron.daysOfWeek.has(t.weekday);
          const days = cron.domRestricted && cron.dowRestricted ? dom || dow : dom && dow;
          const expected =
            cron.minutes.has(t.minute) && cron.hours.has(t.hour) && cron.months.has(t.month) && days;
          assert.equal(cronMatches(cron, t), expected);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('refuses what is not a cron expression with a 422 naming the field', () => {
    for (const bad of [
      '',
      '* * * *',
      '60 * * * *',
      '* 24 * * *',
      '* * 0 * *',
      '* * * 13 *',
      '* * * * 8',
      '*/0 * * * *',
      'a * * * *',
      '5-1 * * * *',
    ])
      assert.throws(
        () => parseCron(bad, 'schedule.expression'),
        (error: unknown) =>
          error instanceof DomainError && error.status === 422 && error.field === 'schedule.expression',
        bad,
      );
  });

  it('a recurring window is on from its start in its own time zone for its duration', () => {
    // Sundays 02:00 in Paris (UTC+1 in January) for 90 minutes: 2030-01-06 is a Sunday.
    const weekly = compileSchedule({
      kind: 'weekly',
      weekdays: [0],
      at: '02:00',
      durationMinutes: 90,
      timeZone: 'Europe/Paris',
    });
    const at = (iso: string) => Date.parse(iso);
    assert.equal(weekly.activeAt(at('2030-01-06T00:59:00Z')), undefined);
    assert.deepEqual(weekly.activeAt(at('2030-01-06T01:00:00Z')), {
      startsAt: at('2030-01-06T01:00:00Z'),
      endsAt: at('2030-01-06T02:30:00Z'),
    });
    assert.ok(weekly.activeAt(at('2030-01-06T02:29:59Z')) !== undefined);
    assert.equal(weekly.activeAt(at('2030-01-06T02:30:00Z')), undefined);
    assert.deepEqual(
      weekly.nextAfter(at('2030-01-06T03:00:00Z'), 8 * 86_400_000)?.startsAt,
      at('2030-01-13T01:00:00Z'),
    );
    // The 31st of each month at 23:30 in Tokyo (UTC+9), an hour long: across midnight.
    const monthly = compileSchedule({
      kind: 'monthly',
      daysOfMonth: [31],
      at: '23:30',
      durationMinutes: 60,
      timeZone: 'Asia/Tokyo',
    });
    assert.ok(monthly.activeAt(at('2030-01-31T15:00:00Z')) !== undefined);
    assert.equal(monthly.activeAt(at('2030-01-31T15:30:00Z')), undefined);
    const cron = compileSchedule({
      kind: 'cron',
      expression: '0 3 * * 1-5',
      durationMinutes: 30,
      timeZone: 'UTC',
    });
    assert.ok(cron.activeAt(at('2030-01-07T03:10:00Z')) !== undefined); // a Monday
    assert.equal(cron.activeAt(at('2030-01-06T03:10:00Z')), undefined); // a Sunday
  });
});
