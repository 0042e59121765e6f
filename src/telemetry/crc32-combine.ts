/**
 * CRC-32 (the gzip one) of A followed by B from the CRCs of A and B and B's length, without the bytes:
 * zlib's crc32_combine (multmodp / x2nmodp, zlib 1.2.12), which Node does not expose. It lets a gzip
 * trailer be computed from segments compressed at different times.
 */
const POLY = 0xedb88320;

/** a × b modulo the CRC polynomial, bits reflected as in the CRC. */
function multiplyModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if ((a & m) !== 0) {
      p = (p ^ b) >>> 0;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? ((b >>> 1) ^ POLY) >>> 0 : b >>> 1;
  }
  return p;
}

/** x^(2^k) modulo the polynomial, k = 0..31. */
const X2N: number[] = [];
for (let k = 0, p = 1 << 30; k < 32; k++) {
  X2N.push(p);
  p = multiplyModP(p, p);
}

/** x^(n · 2^k) modulo the polynomial. */
function x2nModP(n: number, k: number): number {
  let p = 0x80000000;
  while (n > 0) {
    if (n % 2 === 1) p = multiplyModP(X2N[k & 31]!, p);
    n = Math.floor(n / 2);
    k++;
  }
  return p;
}

export function crc32Combine(crcA: number, crcB: number, lengthB: number): number {
  return (multiplyModP(x2nModP(lengthB, 3), crcA) ^ crcB) >>> 0;
}
