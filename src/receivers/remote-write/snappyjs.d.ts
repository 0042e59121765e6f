// snappyjs ships no types; only the two functions the tests and benches use (the service decodes snappy
// itself: snappy-block.ts, ADR 0033).
declare module 'snappyjs' {
  export function uncompress(compressed: Uint8Array, maxLength?: number): Uint8Array;
  export function compress(uncompressed: Uint8Array): Uint8Array;
}
