import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextHealth, overallHealth, type HealthTracker } from './health-state.js';

const fail = { ok: false, degraded: false };
const pass = { ok: true, degraded: false };
const slow = { ok: true, degraded: true };

describe('health state', () => {
  it('turns DOWN only after `retries` consecutive failures, UP after one success', () => {
    let t: HealthTracker = { state: 'up', failures: 0, since: 0 };
    t = nextHealth(t, fail, 3, 1);
    t = nextHealth(t, fail, 3, 2);
    assert.deepEqual(t, { state: 'up', failures: 2, since: 0 });
    t = nextHealth(t, fail, 3, 3);
    assert.deepEqual(t, { state: 'down', failures: 3, since: 3 });
    t = nextHealth(t, fail, 3, 4);
    assert.equal(t.since, 3, 'still down since the first DOWN check');
    t = nextHealth(t, pass, 3, 5);
    assert.deepEqual(t, { state: 'up', failures: 0, since: 5 });
  });

  it('a success resets the failure count; retries 0 counts as 1', () => {
    let t: HealthTracker = { state: 'up', failures: 0, since: 0 };
    t = nextHealth(nextHealth(t, fail, 2, 1), pass, 2, 2);
    t = nextHealth(t, fail, 2, 3);
    assert.equal(t.state, 'up');
    assert.equal(nextHealth({ state: 'unknown', failures: 0, since: 0 }, fail, 0, 1).state, 'down');
  });

  it('a slow success is DEGRADED; the roll-up shows the worst state', () => {
    assert.equal(nextHealth({ state: 'up', failures: 0, since: 0 }, slow, 3, 1).state, 'degraded');
    assert.equal(overallHealth(['up', 'degraded', 'unknown']), 'degraded');
    assert.equal(overallHealth(['up', 'down', 'degraded']), 'down');
    assert.equal(overallHealth([]), 'up');
  });
});
