import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

/**
 * Integration suites need real binaries (prometheus, promtool…). Outside CI a missing one skips the
 * test with the install hint; in CI (CI=true) it fails, so a broken install step cannot pass silently.
 */
export function requireBinary(t: TestContext, binary: string, debianPackage: string): boolean {
  const found = spawnSync('sh', ['-c', `command -v ${binary}`], { encoding: 'utf8' }).status === 0;
  if (found) return true;
  const message = `${binary} not found: apt-get install ${debianPackage}`;
  if (process.env.CI === 'true') throw new Error(message);
  t.skip(message);
  return false;
}
