import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';

const SRC = join(import.meta.dirname, '..');
/** The TSDB's state and its parts: only the TSDB itself may import them (readers use read-port.ts). */
const INTERNAL = [
  'registry',
  'heads',
  'series-head',
  'recovery',
  'retention',
  'checkpoint',
  'label-set-index',
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sources(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('TSDB boundaries', () => {
  it('nothing outside src/tsdb imports its internal state: reads go through the read port', () => {
    const offenders: string[] = [];
    for (const file of sources(SRC)) {
      const path = relative(SRC, file);
      if (path.startsWith('tsdb/')) continue;
      const text = readFileSync(file, 'utf8');
      for (const name of INTERNAL) {
        if (new RegExp(`from '[./]*tsdb/${name}\\.js'`).test(text)) offenders.push(`${path} → tsdb/${name}`);
      }
    }
    assert.deepEqual(offenders, []);
  });
});
