import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compress, uncompress } from 'snappyjs';
import { MalformedRequest } from './codec.js';
import { decompressBlock } from './snappy-block.js';
import { DecodedTooLarge, ReusedBytes, unsnappy } from './snappy.js';

/** A snappy block's elements, as the test writes them: literal bytes, or a copy of earlier output. */
type Element = { literal: Uint8Array; extra: number } | { size: number; back: number; form: number };

/** The length header: a varint. */
function varint(value: number): number[] {
  const bytes: number[] = [];
  let v = value;
  while (v >= 0x80) {
    bytes.push((v & 0x7f) | 0x80);
    v >>>= 7;
  }
  bytes.push(v);
  return bytes;
}

/**
 * A valid block of these elements, with every tag form the format has (1..4-byte literal lengths, also
 * longer than needed; 1-, 2- and 4-byte copy offsets, overlapping copies), and the bytes it stands for.
 */
function block(elements: readonly Element[]): { block: Uint8Array; data: Uint8Array } {
  const data: number[] = [];
  const body: number[] = [];
  for (const element of elements) {
    if ('literal' in element || data.length === 0) {
      const literal = 'literal' in element ? element.literal : new Uint8Array([element.size]);
      const n = literal.length - 1;
      const needed = n < 60 ? 0 : n < 1 << 8 ? 1 : n < 1 << 16 ? 2 : n < 1 << 24 ? 3 : 4;
      const extra = Math.max(needed, 'literal' in element ? element.extra : 0);
      if (extra === 0) body.push(n << 2);
      else body.push((59 + extra) << 2, ...[0, 1, 2, 3].slice(0, extra).map((i) => (n >>> (8 * i)) & 0xff));
      body.push(...literal);
      data.push(...literal);
      continue;
    }
    const offset = 1 + (element.back % data.length);
    const { size } = element;
    const form = element.form % 3;
    if (form === 0 && size >= 4 && size <= 11 && offset < 2048) {
      body.push(1 | ((size - 4) << 2) | ((offset >>> 8) << 5), offset & 0xff);
    } else if (form !== 2 && offset < 1 << 16) {
      body.push(2 | ((size - 1) << 2), offset & 0xff, offset >>> 8);
    } else {
      body.push(3 | ((size - 1) << 2), ...[0, 8, 16, 24].map((s) => (offset >>> s) & 0xff));
    }
    for (let i = 0; i < size; i++) data.push(data[data.length - offset]!);
  }
  return { block: new Uint8Array([...varint(data.length), ...body]), data: new Uint8Array(data) };
}

const element: fc.Arbitrary<Element> = fc.oneof(
  fc.record({
    literal: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 70 }),
      fc.uint8Array({ minLength: 250, maxLength: 300 }),
    ),
    extra: fc.integer({ min: 0, max: 4 }),
  }),
  fc.record({
    size: fc.integer({ min: 1, max: 64 }),
    back: fc.nat(),
    form: fc.nat(),
  }),
);

/** Our decoder's output (as a Buffer, to compare with snappyjs'), or undefined when it refuses the block. */
function ours(body: Uint8Array): Buffer | undefined {
  try {
    return Buffer.from(unsnappy(body, 1 << 24));
  } catch (error) {
    if (error instanceof DecodedTooLarge) return undefined;
    assert.ok(error instanceof MalformedRequest && error.code === 'invalid_snappy', String(error));
    return undefined;
  }
}

function snappyjs(body: Uint8Array): Buffer | undefined {
  try {
    return Buffer.from(uncompress(body, 1 << 24));
  } catch {
    return undefined;
  }
}

/**
 * Whether snappyjs refuses this block for a literal with a 1- to 3-byte length less than four bytes from
 * the body's end (it wants four bytes there whatever the length's size), which Go's snappy and ours read:
 * its one refusal of a valid element. Walks the elements as the decoder does, up to the first invalid one.
 */
function snappyjsShortLiteralQuirk(body: Uint8Array): boolean {
  let pos = 0;
  while (pos < body.length && body[pos]! >= 0x80) pos++;
  pos++;
  while (pos < body.length) {
    const tag = body[pos]!;
    if ((tag & 3) !== 0) {
      pos += 1 + [0, 1, 2, 4][tag & 3]!;
      continue;
    }
    let size = (tag >>> 2) + 1;
    if (size > 60) {
      if (pos + 4 >= body.length && size < 64) return true;
      const bytes = size - 60;
      size = 1;
      for (let i = 0; i < bytes; i++) size += (body[pos + 1 + i] ?? 0) * 2 ** (8 * i);
      pos += bytes;
    }
    pos += 1 + size;
  }
  return false;
}

describe('snappy block decompression (ADR 0033)', () => {
  it('gives what snappyjs gives for what snappyjs compressed', () => {
    const data = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      // Repetitive: copies of every length and offset.
      fc
        .tuple(
          fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { minLength: 1, maxLength: 8 }),
          fc.array(fc.nat(), { maxLength: 400 }),
        )
        .map(([parts, picks]) => Buffer.concat(picks.map((p) => parts[p % parts.length]!))),
    );
    fc.assert(
      fc.property(data, (bytes) => {
        const body = compress(new Uint8Array(bytes));
        assert.deepEqual(ours(body), Buffer.from(bytes));
        assert.deepEqual(ours(body), snappyjs(body));
      }),
      { numRuns: 500 },
    );
  });

  it('reads every element form, as snappyjs does', () => {
    fc.assert(
      fc.property(fc.array(element, { maxLength: 40 }), (elements) => {
        const { block: body, data } = block(elements);
        assert.deepEqual(ours(body), Buffer.from(data));
        if (!snappyjsShortLiteralQuirk(body)) assert.deepEqual(snappyjs(body), Buffer.from(data));
      }),
      { numRuns: 1000 },
    );
  });

  it('a large body: long literals and native copies', () => {
    const random = new Uint8Array(200_000).map((_, i) => (i * 7919) % 251);
    const body = compress(Buffer.concat([random, random.subarray(0, 70_000), random]));
    assert.deepEqual(ours(body), snappyjs(body));
  });

  it('refuses what snappyjs refuses, and accepts only what it accepts, alike', () => {
    // 0xfc (a literal with a 4-byte length) is left out: snappyjs reads a length with its top bit set as
    // negative and loops for minutes on it (the test below checks that ours refuses it at once).
    const noFc = (bytes: Uint8Array) => bytes.map((b) => (b === 0xfc ? 0xfd : b));
    const corrupted = fc.oneof(
      fc.uint8Array({ maxLength: 64 }).map(noFc),
      fc
        .tuple(
          fc.array(element, { minLength: 1, maxLength: 12 }),
          fc.nat(),
          fc.integer({ min: 0, max: 255 }),
          fc.nat(),
          fc.nat(3),
        )
        .map(([elements, at, byte, cut, how]) => {
          const body = [...block(elements).block];
          if (how === 0) body[at % body.length] = byte;
          else if (how === 1) body.length = cut % body.length;
          else if (how === 2) body.push(byte);
          else body[0] = byte; // the announced length
          return noFc(new Uint8Array(body));
        }),
    );
    fc.assert(
      fc.property(corrupted, (body) => {
        const mine = ours(body);
        const theirs = snappyjs(body);
        if (snappyjsShortLiteralQuirk(body)) return;
        if (theirs === undefined) assert.equal(mine, undefined);
        if (mine !== undefined) assert.deepEqual(mine, theirs);
      }),
      { numRuns: 3000 },
    );
  });

  it('refuses blocks Go’s snappy decoder refuses, which snappyjs lets through', () => {
    const cases: [string, number[], RegExp][] = [
      ['shorter than announced', [5, 2 << 2, 1, 2, 3], /shorter/],
      ['longer than announced', [2, 2 << 2, 1, 2, 3], /longer/],
      ['a copy longer than announced', [4, 0, 9, 2 | (7 << 2), 1, 0], /longer/],
      ['a copy of offset 0', [8, 0, 9, 1, 0], /before the start/],
      ['a copy from before the start', [8, 0, 9, 1, 2], /before the start/],
      ['a copy tag with its offset cut off', [8, 0, 9, 2 | (3 << 2), 1], /past the end/],
      ['a literal cut off', [8, 4 << 2, 1, 2], /past the end/],
      ['a literal length cut off', [8, 61 << 2, 1], /past the end/],
      // snappyjs: a negative length, and minutes of looping over the body's start.
      ['a 4-byte literal length of 2^31', [16, 0xfc, 0, 0, 0, 0x80, 0], /past the end/],
    ];
    for (const [what, bytes, why] of cases) {
      assert.throws(
        () => unsnappy(new Uint8Array(bytes), 1 << 20),
        (error: unknown) =>
          error instanceof MalformedRequest && error.code === 'invalid_snappy' && why.test(error.message),
        what,
      );
    }
  });

  it('writes nothing past the announced length, into a larger buffer', () => {
    const out = new Uint8Array(16).fill(7);
    assert.match(decompressBlock(new Uint8Array([4 << 2, 1, 2, 3, 4, 5]), 0, out, 3) ?? '', /longer/);
    assert.deepEqual([...out.subarray(3)], new Array<number>(13).fill(7));
  });

  it('reuses one buffer: each body gives exactly its own bytes', () => {
    const reuse = new ReusedBytes();
    const long = new Uint8Array(100_000).map((_, i) => i % 253);
    const short = new Uint8Array([1, 2, 3, 4, 5]);
    const first = unsnappy(compress(long), 1 << 20, reuse);
    assert.deepEqual(first, long);
    const second = unsnappy(compress(short), 1 << 20, reuse);
    assert.deepEqual(second, short);
    assert.equal(second.buffer, first.buffer, 'the same buffer');
    assert.deepEqual(unsnappy(compress(new Uint8Array(0)), 1 << 20, reuse), new Uint8Array(0));
    const huge = new Uint8Array(5 * 1024 * 1024).fill(3);
    const own = unsnappy(compress(huge), 1 << 24, reuse);
    assert.notEqual(own.buffer, first.buffer, 'over 4 MB: a buffer of its own, not kept');
    assert.equal(unsnappy(compress(short), 1 << 20, reuse).buffer, first.buffer);
  });
});
