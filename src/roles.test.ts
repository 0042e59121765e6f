import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pino } from 'pino';
import { loopsOf, ROLE_DUTIES, ROLES } from './roles.js';
import { PeriodicTask } from './support/periodic-task.js';

const log = pino({ level: 'silent' });
const task = (name: string) => new PeriodicTask(name, 1000, () => Promise.resolve(), log);
const ALL = [
  'checkpoint',
  'retention',
  'store-gauges',
  'system-collector',
  'application-collector',
  'health-recorder',
  'health-retention',
  'alert-evaluation',
  'alert-retention',
  'audit-retention',
].map(task);
const names = (tasks: readonly PeriodicTask[]) => tasks.map((t) => t.name);

describe('roles', () => {
  it('runs every loop in the standalone process', () => {
    assert.deepEqual(names(loopsOf('standalone', ALL)), names(ALL));
  });

  it('keeps the single-writer and singleton loops on the primary only', () => {
    const follower = names(loopsOf('follower', ALL));
    for (const only of [
      'checkpoint',
      'retention',
      'health-retention',
      'alert-retention',
      'audit-retention',
      'alert-evaluation',
    ]) {
      assert.ok(names(loopsOf('primary', ALL)).includes(only), only);
      assert.ok(!follower.includes(only), only);
    }
    // A follower collects its own series too: they are forwarded to the primary (ADR 0026).
    assert.deepEqual(follower, [
      'store-gauges',
      'system-collector',
      'application-collector',
      'health-recorder',
    ]);
  });

  it('runs the per-replica collectors on every role, so every replica reports its own process', () => {
    for (const role of ROLES) assert.equal(ROLE_DUTIES[role].collectors, true, role);
  });

  it('refuses to start a loop no role classifies', () => {
    assert.throws(() => loopsOf('standalone', [task('mystery')]), /"mystery" has no duty in src\/roles.ts/);
  });

  it('gives the standalone role every duty', () => {
    assert.deepEqual(ROLES, ['standalone', 'primary', 'follower']);
    assert.ok(Object.values(ROLE_DUTIES.standalone).every(Boolean));
  });
});
