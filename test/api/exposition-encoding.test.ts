import assert from 'node:assert/strict';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import type { IngestService } from '../../src/ingest/ingest-service.js';
import { SeriesExposition } from '../../src/telemetry/exposition.js';
import { DeflateSegments, GzipJoin, type DeflateSegment } from '../../src/telemetry/deflate-segments.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const SMALL_FAMILIES = 30;
const LARGE_SETS = 2_000;
const OWN_PREFIXES = /^(# (HELP|TYPE|UNIT) )?(process_|nodejs_|metrics_service_)/;

/** Thirty small gauge families and one large one (over 64 KB of text: a gzip member of its own). */
async function seed(ingest: IngestService, round = 0): Promise<void> {
  const metrics = [];
  for (let f = 0; f < SMALL_FAMILIES; f++)
    for (const host of ['a', 'b'])
      metrics.push({ name: `enc_small_${f}`, value: f + round, labels: { host } });
  for (let s = 0; s < LARGE_SETS; s++)
    metrics.push({
      name: 'enc_large',
      value: s / 4,
      labels: { pod: `checkout-7f9c8d-${s}`, region: 'eu-west-3' },
    });
  const outcome = await ingest.ingest(metrics, 'custom');
  assert.deepEqual(outcome.rejected, []);
}

/** The ingested series of a scrape: own metrics (which move between two scrapes) left out. */
const seriesLines = (text: string): string[] => text.split('\n').filter((line) => !OWN_PREFIXES.test(line));

describe('/metrics content coding', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
    await seed(t.services.ingest);
  });
  after(async () => {
    await t.close();
  });

  const scrape = (headers: Record<string, string>) =>
    t.app.inject({ method: 'GET', url: '/metrics', headers });

  it('negotiates gzip from Accept-Encoding with q-values, and says so in Content-Encoding and Vary', async () => {
    const cases: [string | undefined, 'gzip' | undefined][] = [
      [undefined, undefined],
      ['', undefined],
      ['gzip', 'gzip'],
      ['deflate, gzip;q=0.8, br', 'gzip'],
      ['*', 'gzip'],
      ['br;q=1, *;q=0.1', 'gzip'],
      ['gzip;q=0', undefined],
      ['gzip;q=0.5, identity', undefined],
      ['identity', undefined],
      ['br, zstd', undefined],
      ['identity;q=0, gzip;q=0', undefined],
    ];
    const plain = seriesLines((await scrape({})).body);
    for (const [acceptEncoding, expected] of cases) {
      const response = await scrape(
        acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding },
      );
      assert.equal(response.statusCode, 200);
      assert.equal(
        response.headers['content-encoding'],
        expected,
        `Accept-Encoding: ${String(acceptEncoding)}`,
      );
      assert.equal(response.headers.vary, 'Accept, Accept-Encoding');
      const text = expected === 'gzip' ? gunzipSync(response.rawPayload).toString() : response.body;
      assert.deepEqual(seriesLines(text), plain, `Accept-Encoding: ${String(acceptEncoding)}`);
    }
  });

  it('gzips OpenMetrics too, ending in one # EOF', async () => {
    const response = await scrape({
      accept: 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3',
      'accept-encoding': 'gzip',
    });
    assert.match(String(response.headers['content-type']), /^application\/openmetrics-text/);
    assert.equal(response.headers['content-encoding'], 'gzip');
    const text = gunzipSync(response.rawPayload).toString();
    assert.ok(text.endsWith('\n# EOF\n'));
    assert.equal(text.match(/^# EOF$/gm)?.length, 1);
    assert.match(text, /^enc_large\{pod="checkout-7f9c8d-1999",region="eu-west-3"\} 499\.75$/m);
  });

  it('compresses each group of families once, and again only the groups whose family changed', async () => {
    const deflate = new DeflateSegments();
    const compressAll = async (): Promise<DeflateSegment[]> =>
      Promise.all(deflate.of(await t.services.exposition.render('text')).map((segment) => segment()));
    const before = await compressAll();
    assert.ok(before.length >= 3, `${String(before.length)} segments`);
    assert.deepEqual(await compressAll(), before, 'same rendering: the same segments');
    // One small family changes: its group is compressed again, every other segment is reused.
    const outcome = await t.services.ingest.ingest(
      [{ name: 'enc_small_7', value: 70, labels: { host: 'a' } }],
      'custom',
    );
    assert.deepEqual(outcome.rejected, []);
    const after = await compressAll();
    assert.equal(after.length, before.length);
    const changed = after.filter((segment, i) => segment !== before[i]);
    assert.equal(changed.length, 1);
    // Joined, the segments are one gzip member of the whole text, CRC and length included.
    const join = new GzipJoin();
    const body = Buffer.concat([join.header, ...after.map((segment) => join.add(segment)), join.trailer()]);
    const text = gunzipSync(body).toString();
    assert.match(text, /^enc_small_7\{host="a"\} 70$/m);
    assert.equal(
      text,
      (await t.services.exposition.render('text')).families.flatMap((f) => f.pieces).join(''),
    );
  });

  it('renders changed families in time-bounded slices, with the same text as in one go', async () => {
    await seed(t.services.ingest, 1);
    // A budget of 0 ms ends a slice at every reading of the clock (every 64 lines): deterministic slices.
    const sliced = new SeriesExposition(t.services.reader, { sliceMs: 0 });
    const whole = new SeriesExposition(t.services.reader, { sliceMs: 60_000 });
    let turns = 0;
    let counting = true;
    const count = (): void => {
      turns++;
      if (counting) setImmediate(count);
    };
    setImmediate(count);
    const rendering = await sliced.render('text');
    counting = false;
    const large = rendering.families.find((family) => family.name === 'enc_large')!;
    const text = (r: typeof rendering): string => r.families.flatMap((f) => f.pieces).join('');
    assert.equal(text(rendering), text(await whole.render('text')));
    assert.equal(large.chars, large.pieces.join('').length);
    assert.ok(large.pieces.length >= LARGE_SETS / 64, `${String(large.pieces.length)} pieces`);
    assert.ok(
      turns >= (LARGE_SETS + 2 * SMALL_FAMILIES) / 64 - 1,
      `${String(turns)} turns during the rendering`,
    );
  });
});

describe('/metrics Vary with CORS on', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://grafana.example.com' });
  });
  after(async () => {
    await t.close();
  });

  it('keeps the Origin that CORS put in Vary, and adds Accept and Accept-Encoding', async () => {
    const response = await t.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { origin: 'https://grafana.example.com', 'accept-encoding': 'gzip' },
    });
    assert.equal(response.statusCode, 200);
    const vary = String(response.headers.vary)
      .split(',')
      .map((name) => name.trim().toLowerCase());
    for (const name of ['origin', 'accept', 'accept-encoding'])
      assert.ok(vary.includes(name), `Vary: ${vary.join(', ')}`);
  });
});
