/** 64-bit float ↔ two 32-bit halves, through one shared buffer (no allocation per call). */
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const LO = LITTLE_ENDIAN ? 0 : 1;
const HI = LITTLE_ENDIAN ? 1 : 0;

export function floatHi(value: number): number {
  f64[0] = value;
  return u32[HI]!;
}

/** Low half of the value last passed to floatHi (call floatHi first). */
export function lastFloatLo(): number {
  return u32[LO]!;
}

export function floatFromBits(hi: number, lo: number): number {
  u32[HI] = hi;
  u32[LO] = lo;
  return f64[0]!;
}

export function clz64(hi: number, lo: number): number {
  return hi !== 0 ? Math.clz32(hi) : 32 + Math.clz32(lo);
}

export function ctz64(hi: number, lo: number): number {
  if (lo !== 0) return 31 - Math.clz32(lo & -lo);
  return 32 + 31 - Math.clz32(hi & -hi);
}
