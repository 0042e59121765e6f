import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from '../support/test-app.js';

/**
 * A rule file nested a few thousand levels deep overflowed the YAML parser's stack and then crashed the
 * process with an out-of-memory error in V8's regular-expression compiler (found by the fuzz suite): it is
 * refused before parsing, whatever its content type.
 */
describe('PUT /api/alerts/rule-groups with deeply nested bodies', () => {
  it('answers 422 and keeps serving', async () => {
    const t = await startTestApp();
    try {
      for (const depth of [100, 1000, 5000]) {
        const nested = '['.repeat(depth) + ']'.repeat(depth);
        for (const [type, payload] of [
          ['application/json', `{"groups":${nested}}`],
          ['application/yaml', `groups: ${nested}`],
        ] as const) {
          const r = await t.app.inject({
            method: 'PUT',
            url: '/api/alerts/rule-groups',
            headers: { 'content-type': type },
            payload,
          });
          assert.equal(r.statusCode, 422, `${type} ${String(depth)}: ${r.body.slice(0, 200)}`);
          assert.match(r.body, /nested deeper than 64 levels/);
        }
      }
      const ok = await t.app.inject({
        method: 'PUT',
        url: '/api/alerts/rule-groups',
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ groups: [{ name: 'g', rules: [{ record: 'r', expr: 'vector(1)' }] }] }),
      });
      assert.equal(ok.statusCode, 200, ok.body);
    } finally {
      await t.close();
    }
  });
});
