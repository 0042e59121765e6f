import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatSeconds, formatSecondsAxis } from '../../web/src/format.js';

/** Issue 19: the service page's response-time axis read "0 s" under "20 ms": one unit per axis. */
describe('formatSecondsAxis: one unit per seconds axis', () => {
  it('labels zero in the unit of the other ticks', () => {
    assert.deepEqual(formatSeconds(0), '0 s'); // tick by tick, the old labels
    assert.deepEqual(formatSecondsAxis([0, 0.02, 0.04, 0.06]), ['0 ms', '20 ms', '40 ms', '60 ms']);
  });

  it('picks the unit of the largest tick and as few decimals as tell the ticks apart', () => {
    assert.deepEqual(formatSecondsAxis([0, 0.5, 1, 1.5]), ['0.0 s', '0.5 s', '1.0 s', '1.5 s']);
    assert.deepEqual(formatSecondsAxis([0, 0.25, 0.5, 0.75, 1]), [
      '0.00 s',
      '0.25 s',
      '0.50 s',
      '0.75 s',
      '1.00 s',
    ]);
    assert.deepEqual(formatSecondsAxis([0.0002, 0.0004]), ['200 µs', '400 µs']);
    assert.deepEqual(formatSecondsAxis([0, 0.0025, 0.005]), ['0.0 ms', '2.5 ms', '5.0 ms']);
    assert.deepEqual(formatSecondsAxis([0, 60, 120]), ['0 min', '1 min', '2 min']);
    assert.deepEqual(formatSecondsAxis([]), []);
  });

  it('never shows two units on one axis, whatever the ticks', () => {
    for (const top of [0.0003, 0.004, 0.09, 0.8, 2, 45, 700, 9000]) {
      const ticks = [0, top / 4, top / 2, (3 * top) / 4, top];
      const units = new Set(formatSecondsAxis(ticks).map((label) => label.split(' ')[1]));
      assert.equal(units.size, 1, `${String(top)}: ${[...units].join(', ')}`);
    }
  });
});
