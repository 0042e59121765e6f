import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { requireBinary } from '../support/binaries.js';
import { poll, startPrometheus } from '../support/prometheus.js';
import { ADMIN_AUTH, startTestApp, type TestApp } from '../support/test-app.js';

const SMALL_FAMILIES = 40;
const LARGE_SETS = 3_000;

/**
 * The gzip body of /metrics is one gzip member joined from deflate segments compressed at different
 * times (one per group of families, cached): real clients must read it whole, the prometheus binary
 * (Go's compress/gzip) and curl --compressed (libcurl, which refuses multi-member gzip bodies).
 */
describe('gzip /metrics read by real clients', () => {
  let t: TestApp;
  let base: string;
  /** Content-Encoding of each /metrics response, with the Accept-Encoding that asked for it. */
  const served: { acceptEncoding: string | undefined; contentEncoding: unknown }[] = [];
  before(async () => {
    t = await startTestApp();
    const metrics = [];
    for (let f = 0; f < SMALL_FAMILIES; f++)
      for (const host of ['a', 'b', 'c']) metrics.push({ name: `gz_small_${f}`, value: f, labels: { host } });
    for (let s = 0; s < LARGE_SETS; s++)
      metrics.push({
        name: 'gz_large',
        value: s,
        labels: { pod: `checkout-7f9c8d-${s}`, region: 'eu-west-3' },
      });
    const outcome = await t.services.ingest.ingest(metrics, 'custom');
    assert.deepEqual(outcome.rejected, []);
    await t.app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${String((t.app.server.address() as AddressInfo).port)}`;
    t.app.server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (req.url !== '/metrics') return;
      res.on('finish', () =>
        served.push({
          acceptEncoding: req.headers['accept-encoding'],
          contentEncoding: res.getHeader('content-encoding'),
        }),
      );
    });
  });
  after(async () => {
    await t.close();
  });

  it('is decoded by curl --compressed to the same series as the plain text', async (ctx) => {
    if (!requireBinary(ctx, 'curl', 'curl')) return;
    // Asynchronously: the service answering curl runs in this process.
    const curl = async (...extra: string[]): Promise<string> => {
      const args = ['-sS', '--fail', '-H', `authorization: ${ADMIN_AUTH.authorization}`, ...extra];
      const { stdout } = await promisify(execFile)('curl', [...args, `${base}/metrics`], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
        timeout: 30_000,
      });
      return stdout;
    };
    const series = (text: string): string[] => text.split('\n').filter((line) => line.startsWith('gz_'));
    const compressed = await curl('--compressed');
    assert.equal(served.at(-1)?.contentEncoding, 'gzip');
    const plain = await curl();
    assert.equal(served.at(-1)?.contentEncoding, undefined);
    assert.equal(series(compressed).length, SMALL_FAMILIES * 3 + LARGE_SETS);
    assert.deepEqual(series(compressed), series(plain));
  });

  it('is scraped by a real prometheus, which asks for gzip and reads every series', async (ctx) => {
    if (!requireBinary(ctx, 'prometheus', 'prometheus')) return;
    const prometheus = await startPrometheus(
      { 'metrics-service': base.slice('http://'.length) },
      { tokens: { 'metrics-service': ADMIN_AUTH.authorization.slice('Bearer '.length) } },
    );
    try {
      const count = await poll(
        async () => (await prometheus.query('count({__name__=~"gz_.*"})'))[0]?.value[1],
        30_000,
      );
      assert.equal(count, String(SMALL_FAMILIES * 3 + LARGE_SETS), prometheus.log());
      const last = await prometheus.query('gz_large{pod="checkout-7f9c8d-2999"}');
      assert.equal(last[0]?.value[1], '2999');
      const scrapes = served.filter((s) => s.acceptEncoding?.includes('gzip') === true);
      assert.ok(scrapes.length > 0, 'prometheus sent Accept-Encoding: gzip');
      assert.ok(scrapes.every((s) => s.contentEncoding === 'gzip'));
    } finally {
      await prometheus.stop();
    }
  });
});
