import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TEXT = { 'content-type': 'text/plain; version=0.0.4' };

describe('Pushgateway API (/metrics/job/…)', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(async () => {
    await t.close();
  });

  const push = (
    method: 'PUT' | 'POST' | 'DELETE',
    path: string,
    body = '',
    headers: Record<string, string> = TEXT,
  ) => t.app.inject({ method, url: `/metrics/${path}`, headers, payload: body });
  const exposed = async (prefix: string): Promise<string[]> =>
    (await t.app.inject({ method: 'GET', url: '/metrics' })).body
      .split('\n')
      .filter((line) => line.startsWith(prefix));

  it('PUT stores a group with job and grouping labels and push_time_seconds; POST replaces same names; PUT the group', async () => {
    const first = await push(
      'PUT',
      'job/backup/host/db1',
      [
        '# HELP pg_backup_bytes Size of the last backup.',
        '# TYPE pg_backup_bytes gauge',
        'pg_backup_bytes{kind="full"} 1.5e9',
        '# TYPE pg_backup_runs_total counter',
        'pg_backup_runs_total 3',
        '# TYPE pg_backup_seconds summary',
        'pg_backup_seconds{quantile="0.5"} 12',
        'pg_backup_seconds_sum 40',
        'pg_backup_seconds_count 3',
        '',
      ].join('\n'),
    );
    assert.equal(first.statusCode, 200, first.body);
    assert.deepEqual(await exposed('pg_backup_bytes'), [
      'pg_backup_bytes{host="db1",job="backup",kind="full"} 1500000000',
    ]);
    assert.deepEqual(await exposed('pg_backup_runs_total'), [
      'pg_backup_runs_total{host="db1",job="backup"} 3',
    ]);
    assert.deepEqual(await exposed('pg_backup_seconds{'), [
      'pg_backup_seconds{host="db1",job="backup",quantile="0.5"} 12',
    ]);
    const [time] = await exposed('push_time_seconds{host="db1",job="backup"}');
    assert.ok(time !== undefined && Math.abs(Number(time.split(' ')[1]) - Date.now() / 1000) < 60, time);
    assert.deepEqual(await exposed('push_failure_time_seconds{host="db1",job="backup"}'), [
      'push_failure_time_seconds{host="db1",job="backup"} 0',
    ]);

    // POST: the pushed names replace theirs, the others stay.
    const post = await push(
      'POST',
      'job/backup/host/db1',
      '# TYPE pg_backup_bytes gauge\npg_backup_bytes{kind="incremental"} 10\n',
    );
    assert.equal(post.statusCode, 200, post.body);
    assert.deepEqual(await exposed('pg_backup_bytes'), [
      'pg_backup_bytes{host="db1",job="backup",kind="incremental"} 10',
    ]);
    assert.equal((await exposed('pg_backup_runs_total')).length, 1);

    // PUT: the group is what was pushed, nothing else.
    const put = await push(
      'PUT',
      'job/backup/host/db1',
      '# TYPE pg_backup_runs_total counter\npg_backup_runs_total 4\n',
    );
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(await exposed('pg_backup_bytes'), []);
    assert.deepEqual(await exposed('pg_backup_seconds'), []);
    assert.deepEqual(await exposed('pg_backup_runs_total'), [
      'pg_backup_runs_total{host="db1",job="backup"} 4',
    ]);

    const deleted = await push('DELETE', 'job/backup/host/db1');
    assert.equal(deleted.statusCode, 202);
    assert.deepEqual(await exposed('pg_backup_runs_total'), []);
    assert.deepEqual(await exposed('push_time_seconds{host="db1"'), []);
  });

  it('reads base64 segments as the Pushgateway does', async () => {
    const path = `job@base64/${Buffer.from('cron/nightly').toString('base64url')}/path@base64/${Buffer.from('/var/tmp').toString('base64url')}`;
    const r = await push('PUT', path, 'b64_metric 1\n');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(await exposed('b64_metric'), ['b64_metric{job="cron/nightly",path="/var/tmp"} 1']);
    assert.equal((await push('DELETE', path)).statusCode, 202);
    assert.deepEqual(await exposed('b64_metric'), []);
  });

  it('refuses a metric whose type or HELP differs from another group’s, and stamps push_failure_time_seconds', async () => {
    assert.equal(
      (await push('PUT', 'job/a', '# HELP jobs_done Jobs.\n# TYPE jobs_done gauge\njobs_done 1\n'))
        .statusCode,
      200,
    );
    assert.equal(
      (await push('PUT', 'job/b', '# HELP jobs_done Jobs.\n# TYPE jobs_done gauge\njobs_done 2\n'))
        .statusCode,
      200,
    );
    const type = await push(
      'POST',
      'job/b',
      '# HELP jobs_done Jobs.\n# TYPE jobs_done counter\njobs_done 2\n',
    );
    assert.equal(type.statusCode, 400, type.body);
    assert.equal(type.json<{ code: string }>().code, 'inconsistent_metric');
    const help = await push(
      'POST',
      'job/b',
      '# HELP jobs_done Other text.\n# TYPE jobs_done gauge\njobs_done 3\n',
    );
    assert.equal(help.statusCode, 400, help.body);
    assert.deepEqual(await exposed('jobs_done{job="b"}'), ['jobs_done{job="b"} 2']);
    const [failure] = await exposed('push_failure_time_seconds{job="b"}');
    assert.ok(failure !== undefined && Number(failure.split(' ')[1]) > 0, failure);
  });

  it('refuses timestamps, bad text, labels clashing with the grouping key, protobuf, and bad paths, storing nothing', async () => {
    const cases: [string, string, Record<string, string>, number, string][] = [
      ['job/bad', 'bad_ts 1 1700000000000\n', TEXT, 400, 'invalid_exposition'],
      ['job/bad', 'bad_text{a="1" 1\n', TEXT, 400, 'invalid_exposition'],
      ['job/bad', 'bad_clash{job="other"} 1\n', TEXT, 400, 'inconsistent_metric'],
      ['job/bad', '# TYPE bad_counter counter\nbad_counter -1\n', TEXT, 400, 'invalid_exposition'],
      [
        'job/bad',
        'bad_pb 1\n',
        {
          'content-type':
            'application/vnd.google.protobuf; proto=io.prometheus.client.MetricFamily; encoding=delimited',
        },
        415,
        'unsupported_media_type',
      ],
      ['job/bad/odd', 'bad_odd 1\n', TEXT, 400, 'invalid_grouping_key'],
      ['job/bad/__x/1', 'bad_reserved 1\n', TEXT, 400, 'invalid_grouping_key'],
      ['job/bad?ttl=forever', 'bad_ttl 1\n', TEXT, 400, 'validation_failed'],
    ];
    for (const [path, body, headers, status, code] of cases) {
      const r = await push('PUT', path, body, headers);
      assert.equal(r.statusCode, status, `${path} ${body}: ${r.body}`);
      assert.equal(r.json<{ code: string }>().code, code, body);
    }
    assert.deepEqual(await exposed('bad_'), []);
  });

  it('answers 401 without a token', async () => {
    const r = await t.app.inject({
      method: 'PUT',
      url: '/metrics/job/x',
      headers: { ...TEXT, authorization: '' },
      payload: 'x 1\n',
    });
    assert.equal(r.statusCode, 401);
  });

  it('deletes a group when its TTL passes, with its series', async () => {
    const r = await push('PUT', 'job/short_lived?ttl=1s', 'ephemeral_value 7\n');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(await exposed('ephemeral_value'), ['ephemeral_value{job="short_lived"} 7']);
    const header = await push('PUT', 'job/header_ttl', 'header_value 1\n', { ...TEXT, 'push-ttl': '1' });
    assert.equal(header.statusCode, 200, header.body);
    await sleep(2600);
    assert.deepEqual(await exposed('ephemeral_value'), []);
    assert.deepEqual(await exposed('header_value'), []);
    assert.deepEqual(await exposed('push_time_seconds{job="short_lived"}'), []);
  });
});

describe('Pushgateway groups across a restart', () => {
  it('keeps the grouping state, so a DELETE after a restart still removes the series', async () => {
    const first = await startTestApp();
    const put = await first.app.inject({
      method: 'PUT',
      url: '/metrics/job/survivor/site/paris',
      headers: TEXT,
      payload: 'survivor_total 5\n',
    });
    assert.equal(put.statusCode, 200, put.body);
    await first.stop();
    const second = await startTestApp({}, first.dataDir);
    try {
      const text = async () => (await second.app.inject({ method: 'GET', url: '/metrics' })).body;
      assert.match(await text(), /survivor_total\{job="survivor",site="paris"\} 5/);
      const post = await second.app.inject({
        method: 'PUT',
        url: '/metrics/job/survivor/site/paris',
        headers: TEXT,
        payload: 'survivor_other 1\n',
      });
      assert.equal(post.statusCode, 200);
      assert.doesNotMatch(await text(), /survivor_total\{/);
      const del = await second.app.inject({ method: 'DELETE', url: '/metrics/job/survivor/site/paris' });
      assert.equal(del.statusCode, 202);
      assert.doesNotMatch(await text(), /survivor_other\{/);
    } finally {
      await second.close();
    }
  });
});
