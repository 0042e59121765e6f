import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';

/**
 * What `npm run build` (run before the tests) ships: every subpath of the client package, and the root
 * package's 0.1 paths that re-export it, from ESM and from CommonJS.
 */
const ENTRIES = {
  '@metrics-service/client/express': 'metricsMiddleware',
  '@metrics-service/client/fastify': 'metricsPlugin',
  '@metrics-service/client/nestjs': 'MetricsModule',
  '@metrics-service/client/push': 'MetricsClient',
  '@metrics-service/client': 'HttpRecorder',
  'metrics-service/express': 'metricsMiddleware',
  'metrics-service/fastify': 'metricsPlugin',
  'metrics-service/nestjs': 'MetricsModule',
  'metrics-service/client': 'MetricsClient',
} as const;

function run(args: string[]): string {
  const result = spawnSync(process.execPath, args, { encoding: 'utf8' });
  assert.equal(result.status, 0, result.stderr);
  return result.stdout.trim();
}

describe('package exports', () => {
  for (const [specifier, name] of Object.entries(ENTRIES)) {
    it(`${specifier} loads from CommonJS and from ESM`, () => {
      assert.equal(run(['-e', `process.stdout.write(typeof require('${specifier}').${name})`]), 'function');
      assert.equal(
        run([
          '--input-type=module',
          '-e',
          `import { ${name} } from '${specifier}'; process.stdout.write(typeof ${name})`,
        ]),
        'function',
      );
    });
  }
});
