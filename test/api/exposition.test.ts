import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { send } from '../support/http.js';

/** The /metrics rendering reuses each family's text until that family changes: never a stale value. */
describe('/metrics rendering cache', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const scrape = async (accept?: string): Promise<string> =>
    (await t.app.inject({ method: 'GET', url: '/metrics', headers: accept ? { accept } : {} })).body;
  const push = async (name: string, value: number, labels: Record<string, string>): Promise<void> => {
    const response = await send(t.app, 'POST', '/api/metrics/custom', { name, type: 'gauge', value, labels });
    assert.equal(response.status, 200, JSON.stringify(response.body));
  };

  it('shows every new value, added set and expired set, and keeps unchanged families as they were', async () => {
    await push('cache_a', 1.25, { k: 'x' });
    await push('cache_b', 7, { k: 'y' });
    let text = await scrape();
    assert.match(text, /^cache_a\{k="x"\} 1\.25$/m);
    assert.match(text, /^cache_b\{k="y"\} 7$/m);

    await push('cache_a', 0.07, { k: 'x' });
    await push('cache_a', -3.5, { k: 'z' });
    text = await scrape();
    assert.match(text, /^cache_a\{k="x"\} 0\.07$/m);
    assert.match(text, /^cache_a\{k="z"\} -3\.5$/m);
    assert.match(text, /^cache_b\{k="y"\} 7$/m);

    // Both formats are cached apart and stay consistent with each other.
    const om = await scrape('application/openmetrics-text; version=1.0.0');
    assert.match(om, /^cache_a\{k="z"\} -3\.5$/m);
    assert.match(om, /# EOF\n$/);

    const set = t.services.reader.family('cache_a')!.sets.values().next().value!;
    await t.services.tsdb.deleteLabelSet(set);
    text = await scrape();
    assert.doesNotMatch(text, /^cache_a\{k="x"\}/m);
    assert.match(text, /^cache_a\{k="z"\} -3\.5$/m);
  });
});
