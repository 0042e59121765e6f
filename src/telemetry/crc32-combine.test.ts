import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from 'node:zlib';
import { crc32Combine } from './crc32-combine.js';

describe('crc32Combine', () => {
  it('gives the CRC of the concatenation, as zlib computes it over the bytes', () => {
    const cases: [string, string][] = [
      ['hello ', 'world'],
      ['', 'x'],
      ['x', ''],
      ['é€ utf-8 ', '漢字'],
      ['a'.repeat(100_000), 'b'.repeat(3_000_001)],
    ];
    for (const [a, b] of cases) {
      const expected = crc32(Buffer.from(a + b));
      assert.equal(
        crc32Combine(crc32(a), crc32(b), Buffer.byteLength(b)),
        expected,
        `${a.slice(0, 9)}+${b.slice(0, 9)}`,
      );
    }
  });
});
