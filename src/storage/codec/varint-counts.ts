/**
 * Non-negative integers as LEB128 varints: a roll-up's bucket counts are mostly zero or small, so 17
 * counts take ~20 bytes instead of 68 as 32-bit integers.
 */
export function encodeCounts(counts: readonly number[]): Uint8Array {
  const bytes: number[] = [];
  for (const count of counts) {
    let rest = Math.max(0, Math.floor(count));
    while (rest >= 0x80) {
      bytes.push((rest % 0x80) | 0x80);
      rest = Math.floor(rest / 0x80);
    }
    bytes.push(rest);
  }
  return Uint8Array.from(bytes);
}

export function decodeCounts(bytes: Uint8Array): number[] {
  const counts: number[] = [];
  let value = 0;
  let scale = 1;
  for (const byte of bytes) {
    value += (byte & 0x7f) * scale;
    if (byte < 0x80) {
      counts.push(value);
      value = 0;
      scale = 1;
    } else scale *= 0x80;
  }
  return counts;
}
