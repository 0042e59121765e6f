#!/usr/bin/env node
// `npm start` and the test scripts build first, but only when what the build reads changed: a hash of
// every input file's path and content against the stamp the last successful build left in dist/. The
// full build takes minutes on a loaded 2-core host; hashing its ~300 inputs takes milliseconds.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const STAMP = 'dist/.build-inputs';
/** Everything `npm run build` reads: sources, page, compiler settings, build scripts, dependency versions. */
const INPUTS = [
  'src',
  'web',
  'tsconfig.json',
  'tsconfig.build.json',
  'tsconfig.cjs.json',
  'scripts/build-web.mjs',
  'scripts/write-cjs-package.mjs',
  'scripts/bundle-server.mjs',
  'package-lock.json',
  'packages/client/src',
  'packages/client/scripts',
  'packages/client/package.json',
  'packages/client/tsconfig.build.json',
  'packages/client/tsconfig.cjs.json',
];
/** What the build writes; any of them missing means a build whatever the stamp says. */
const OUTPUTS = [
  'dist/main.js',
  'dist/serve.bundle.js',
  'dist/app.js',
  'dist/cjs/package.json',
  'dist/web/app.js',
  'packages/client/dist/esm/index.js',
  'packages/client/dist/cjs/package.json',
];

function files(path) {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .sort()
    .flatMap((entry) => files(join(path, entry)));
}

function inputsHash() {
  const hash = createHash('sha256');
  for (const file of INPUTS.flatMap(files)) {
    hash.update(`${file}\0`);
    hash.update(readFileSync(file));
  }
  return hash.digest('hex');
}

const current = inputsHash();
const built = existsSync(STAMP) ? readFileSync(STAMP, 'utf8').trim() : undefined;
if (built === current && OUTPUTS.every((file) => existsSync(file))) {
  process.stdout.write('build: dist/ is up to date with src/ and web/, not rebuilding\n');
} else {
  const npm = process.env.npm_execpath;
  // Through the npm that runs this script when there is one (npm start), else the one on PATH.
  const result =
    npm === undefined
      ? spawnSync('npm', ['run', 'build'], { stdio: 'inherit' })
      : spawnSync(process.execPath, [npm, 'run', 'build'], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
  writeFileSync(STAMP, `${current}\n`);
}
