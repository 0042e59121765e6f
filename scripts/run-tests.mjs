#!/usr/bin/env node
// Runs every *.test.ts under src/, test/ and packages/client/test/ with Node's own test runner (TypeScript
// through tsx).
// Node 20 has no glob support in `node --test`, so the files are listed here.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  const out = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...find(path));
    else if (entry.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
const roots = ['src', 'test', 'packages/client/test'];
let files = roots.flatMap((root) => find(root)).sort();
if (filter.length > 0) files = files.filter((file) => filter.some((part) => file.includes(part)));

const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
