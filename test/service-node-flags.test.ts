import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { SERVICE_NODE_FLAGS } from './support/child-service.js';

const ROOT = new URL('../', import.meta.url);

// Production starts the service in two places; tests and benches start it through child-service.ts with
// SERVICE_NODE_FLAGS. All three must run the same process (ADR 0036).
test('npm start runs the service with the node flags tests and benches use', () => {
  const manifest = JSON.parse(readFileSync(new URL('package.json', ROOT), 'utf8')) as {
    scripts: Record<string, string>;
  };
  assert.equal(manifest.scripts.start, `node ${SERVICE_NODE_FLAGS.join(' ')} dist/main.js`);
});

test("the image's CMD runs the service with the node flags tests and benches use", () => {
  const dockerfile = readFileSync(new URL('deploy/Dockerfile', ROOT), 'utf8');
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(cmd, 'deploy/Dockerfile has an exec-form CMD');
  assert.deepEqual(JSON.parse(cmd[1]!), ['node', ...SERVICE_NODE_FLAGS, 'dist/main.js']);
});

test('this node accepts the flags and gives V8 the 32 MB semi-space they ask for', () => {
  // new_space is two semi-spaces; it grows to its maximum under allocation.
  const script = `const v8 = require('node:v8'); let keep = [];
    for (let i = 0; i < 5e6; i++) { keep.push({ i }); if (keep.length > 2e5) keep = []; }
    const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');
    process.stdout.write(String(space.space_size / 2 ** 20));`;
  const megabytes = Number(
    execFileSync(process.execPath, [...SERVICE_NODE_FLAGS, '-e', script], { encoding: 'utf8' }),
  );
  assert.equal(megabytes, 64);
});
