import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stepAlert } from './alert-lifecycle.js';

describe('alert lifecycle', () => {
  const rule = { forMs: 60_000, keepFiringForMs: 30_000 };

  it('pending → firing after `for`, firing kept for `keepFiringFor`, then resolved', () => {
    let step = stepAlert(undefined, true, 0, rule);
    assert.equal(step.transition, 'pending');
    step = stepAlert(step.next, true, 59_999, rule);
    assert.deepEqual([step.transition, step.next?.state], ['none', 'pending']);
    step = stepAlert(step.next, true, 60_000, rule);
    assert.deepEqual([step.transition, step.next?.state, step.next?.firedAt], ['fired', 'firing', 60_000]);
    step = stepAlert(step.next, false, 70_000, rule);
    assert.deepEqual([step.transition, step.next?.state], ['none', 'firing'], 'keepFiringFor holds it');
    step = stepAlert(step.next, false, 90_000, rule);
    assert.deepEqual([step.transition, step.next?.state], ['resolved', 'resolved']);
  });

  it('a pending alert whose condition clears is dropped; without `for` it fires at once', () => {
    const pending = stepAlert(undefined, true, 0, rule).next;
    assert.deepEqual(stepAlert(pending, false, 10, rule), { next: undefined, transition: 'dropped' });
    assert.equal(stepAlert(undefined, true, 0, { forMs: 0, keepFiringForMs: 0 }).transition, 'fired');
    assert.equal(stepAlert(undefined, false, 0, rule).transition, 'none');
  });
});
