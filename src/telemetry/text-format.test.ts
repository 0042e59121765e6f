import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatValue } from './text-format.js';

describe('formatValue', () => {
  it('prints special values as the exposition formats spell them', () => {
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(Number.POSITIVE_INFINITY), '+Inf');
    assert.equal(formatValue(Number.NEGATIVE_INFINITY), '-Inf');
    assert.equal(formatValue(-0), '0');
  });

  it('prints every finite value exactly as String() does (its fast path for two decimals included)', () => {
    let seed = 12345;
    const rnd = (): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return seed / 2 ** 32;
    };
    const values = [0.01, -0.01, 0.1, 0.5, 1.05, 99.99, 100.1, 1e13 + 0.25, 1e15, 1e21, 1e-7, 0.1 + 0.2];
    for (let i = 0; i < 200_000; i++) {
      const magnitude = 10 ** Math.floor(rnd() * 16 - 2);
      const raw = (rnd() - 0.5) * magnitude;
      values.push(raw, Math.round(raw * 100) / 100, Math.round(raw * 10) / 10, Math.round(raw));
    }
    for (const value of values) assert.equal(formatValue(value), String(value), `value ${String(value)}`);
  });
});
