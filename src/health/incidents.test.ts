import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredHealthEvent } from '../storage/ports.js';
import { incidentsOf } from './incidents.js';

const change = (at: number, state: string, reasonCode: string | null = null): StoredHealthEvent => ({
  serviceId: 1,
  at,
  state,
  previous: 'up',
  reasonCode,
  reason: reasonCode === null ? null : `because ${reasonCode}`,
});

describe('incidents from state changes', () => {
  it('runs from a change away from UP to the next change to anything else', () => {
    const incidents = incidentsOf(
      [
        change(100, 'down', 'timeout'),
        change(250, 'up'),
        change(300, 'degraded', 'slow_response'),
        change(400, 'unknown'),
      ],
      { from: 0, to: 1000 },
      1000,
    );
    assert.deepEqual(incidents, [
      {
        start: 100,
        end: 250,
        durationMs: 150,
        state: 'down',
        reason: { code: 'timeout', message: 'because timeout' },
      },
      {
        start: 300,
        end: 400,
        durationMs: 100,
        state: 'degraded',
        reason: { code: 'slow_response', message: 'because slow_response' },
      },
    ]);
  });

  it('a DEGRADED spell that goes DOWN is one DOWN incident with the DOWN reason', () => {
    const incident = incidentsOf(
      [change(100, 'degraded', 'slow_response'), change(150, 'down', 'status_code'), change(200, 'up')],
      { from: 0, to: 1000 },
      1000,
    )[0]!;
    assert.equal(incident.state, 'down');
    assert.equal(incident.start, 100);
    assert.equal(incident.reason?.code, 'status_code');
  });

  it('one open when the window starts begins at its start; one still open runs to now (or the window end)', () => {
    const before = change(-50, 'down', 'dns_error');
    const incidents = incidentsOf(
      [change(100, 'up'), change(600, 'down', 'timeout')],
      { from: 0, to: 1000, before },
      800,
    );
    assert.deepEqual(
      incidents.map((i) => [i.start, i.end, i.durationMs, i.reason?.code]),
      [
        [0, 100, 100, 'dns_error'],
        [600, null, 200, 'timeout'],
      ],
    );
    const past = incidentsOf([change(600, 'down', 'timeout')], { from: 0, to: 1000 }, 5000);
    assert.equal(past[0]?.durationMs, 400, 'a past window ends at its end');
    assert.deepEqual(incidentsOf([], { from: 0, to: 1000, before: change(-1, 'up') }, 1000), []);
  });
});
