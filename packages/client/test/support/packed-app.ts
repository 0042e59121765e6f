import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The client package's directory, and the repository's root (whose lockfile pins the versions). */
export const PACKAGE_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const REPO_ROOT = join(PACKAGE_DIR, '..', '..');

interface LockEntry {
  version?: string;
  resolved?: string;
  integrity?: string;
  license?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  engines?: Record<string, string>;
  bin?: Record<string, string>;
  dev?: boolean;
  devOptional?: boolean;
  optional?: boolean;
  peer?: boolean;
}
type LockPackages = Record<string, LockEntry>;

export function run(command: string, args: readonly string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} exited ${String(result.status)}: ${result.stderr}`);
  }
  return result.stdout;
}

/** `npm pack` of the built package (npm run build first: a stale dist/ is refused, not packed). */
export function packClient(destination: string): string {
  const newest = (dir: string): number =>
    Math.max(
      ...readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => statSync(join(entry.parentPath, entry.name)).mtimeMs),
    );
  if (newest(join(PACKAGE_DIR, 'src')) > newest(join(PACKAGE_DIR, 'dist'))) {
    throw new Error('packages/client/dist is older than its sources: npm run build first');
  }
  const output = run('npm', ['pack', '--ignore-scripts', '--pack-destination', destination], PACKAGE_DIR);
  return join(destination, output.trim().split('\n').at(-1)!);
}

/**
 * Where a package `name` required from the package at `from` is installed: node_modules folders from
 * `from` up to the root, as Node resolves.
 */
function locate(packages: LockPackages, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const candidate = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (packages[candidate] !== undefined) return candidate;
    if (base === '') return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

/** Every lockfile entry a set of top-level packages needs (dependencies and required peers), as placed. */
function closure(packages: LockPackages, roots: readonly string[]): LockPackages {
  const out: LockPackages = {};
  const pending = roots.map((name) => ({ from: '', name }));
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const path = locate(packages, next.from, next.name);
    if (path === undefined) throw new Error(`${next.name} (needed by ${next.from || 'the app'}) not locked`);
    if (out[path] !== undefined) continue;
    // The root's dev/optional/peer flags say how the repository needs a package, not how this app does.
    const entry: LockEntry = { ...packages[path]! };
    delete entry.dev;
    delete entry.devOptional;
    delete entry.optional;
    delete entry.peer;
    out[path] = entry;
    const required = Object.keys(entry.peerDependencies ?? {}).filter(
      (peer) => entry.peerDependenciesMeta?.[peer]?.optional !== true,
    );
    for (const name of [...Object.keys(entry.dependencies ?? {}), ...required])
      pending.push({ from: path, name });
  }
  return out;
}

export interface PackedApp {
  dir: string;
  /** Installed packages, by name (`npm ls --all`), the app itself left out. */
  packages: string[];
  /** Bytes of the app's node_modules. */
  bytes: number;
}

/**
 * A new app in `dir` that installs the packed tarball and `frameworks`, with `npm ci --offline`: the
 * versions come from the repository's lockfile (a lockfile made for the app from it), the tarballs from
 * npm's cache, so the test needs no registry and installs exactly what a user's `npm install` would place.
 */
export function installApp(dir: string, tarball: string, frameworks: readonly string[]): PackedApp {
  mkdirSync(dir, { recursive: true });
  const lock = JSON.parse(readFileSync(join(REPO_ROOT, 'package-lock.json'), 'utf8')) as {
    packages: LockPackages;
  };
  const client = JSON.parse(readFileSync(join(PACKAGE_DIR, 'package.json'), 'utf8')) as LockEntry & {
    name: string;
  };
  const spec = `file:${basename(tarball)}`;
  copyFileSync(tarball, join(dir, basename(tarball)));
  const dependencies: Record<string, string> = { [client.name]: spec };
  for (const name of frameworks) dependencies[name] = lock.packages[`node_modules/${name}`]!.version!;
  // The repository pins some transitive versions (package.json `overrides`: Node 20 engines); the app
  // carries the same pins, or its lockfile made from the repository's would not match its manifest.
  const { overrides } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
    overrides?: Record<string, unknown>;
  };
  const manifest = { name: 'packed-app', version: '1.0.0', private: true, dependencies, overrides };
  const packages: LockPackages = {
    '': manifest,
    [`node_modules/${client.name}`]: {
      version: client.version!,
      resolved: spec,
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      license: client.license!,
      dependencies: client.dependencies!,
      peerDependencies: client.peerDependencies!,
      peerDependenciesMeta: client.peerDependenciesMeta!,
    },
    ...closure(lock.packages, [...Object.keys(client.dependencies ?? {}), ...frameworks]),
  };
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  writeFileSync(
    join(dir, 'package-lock.json'),
    `${JSON.stringify({ ...manifest, lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
  );
  run('npm', ['ci', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], dir);
  const listed = run('npm', ['ls', '--all', '--parseable'], dir).trim().split('\n').slice(1);
  return {
    dir,
    packages: [...new Set(listed.map((path) => path.slice(path.lastIndexOf('node_modules/') + 13)))].sort(),
    bytes: sizeOf(join(dir, 'node_modules')),
  };
}

function sizeOf(dir: string): number {
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return bytes;
}
