import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { platform } from 'node:os';
import { after, describe, it } from 'node:test';
import {
  parseDiskstats,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
} from '../../src/collectors/system/proc-parsers.js';
import type { SystemSnapshot } from '../../src/collectors/system/system-collector.js';
import { send } from '../support/http.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const linux = platform() === 'linux';

describe('system collector', () => {
  const apps: TestApp[] = [];
  after(async () => {
    for (const app of apps) await app.close();
  });

  it('parses /proc files, this machine’s and captured ones', { skip: !linux && 'needs Linux /proc' }, () => {
    const cpu = parseProcStat(readFileSync('/proc/stat', 'utf8'));
    assert.equal(cpu[0]!.id, 'cpu');
    assert.ok(cpu.length >= 2 && cpu.every((c) => c.total >= c.busy && c.busy >= 0));
    const mem = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
    assert.ok(mem.get('MemTotal')! > mem.get('MemAvailable')!);
    assert.ok(parseNetDev(readFileSync('/proc/net/dev', 'utf8')).some((n) => n.iface === 'lo'));
    assert.ok(parseMounts(readFileSync('/proc/mounts', 'utf8')).some((m) => m.mountpoint === '/'));

    assert.deepEqual(
      parseDiskstats(
        [
          ' 253       0 vda 5164 1431 399422 3208 1052 2061 34720 1640 0 4696 5008 0 0 0 0',
          ' 253       1 vda1 5000 1431 399000 3100 1052 2061 34720 1640 0 4696 5008 0 0 0 0',
          '   7       0 loop0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0',
          ' 259       0 nvme0n1 10 0 80 1 20 0 160 2 0 3 3',
          ' 259       1 nvme0n1p1 10 0 80 1 20 0 160 2 0 3 3',
        ].join('\n'),
      ),
      [
        { device: 'vda', reads: 5164, readBytes: 399422 * 512, writes: 1052, writtenBytes: 34720 * 512 },
        { device: 'nvme0n1', reads: 10, readBytes: 80 * 512, writes: 20, writtenBytes: 160 * 512 },
      ],
    );
    assert.deepEqual(
      parseMounts(
        [
          '/dev/vda / ext4 rw 0 0',
          'proc /proc proc rw 0 0',
          'tmpfs /run tmpfs rw 0 0',
          '/dev/sdb1 /mnt/my\\040disk xfs rw 0 0',
          '/dev/vda / ext4 rw 0 0',
        ].join('\n'),
      ),
      [
        { device: '/dev/vda', mountpoint: '/', fstype: 'ext4' },
        { device: '/dev/sdb1', mountpoint: '/mnt/my disk', fstype: 'xfs' },
      ],
    );
    assert.equal(
      parseMeminfo('MemTotal:       16384 kB\nHugePages_Total:       0\n').get('MemTotal'),
      16 * 1024 * 1024,
    );
  });

  it(
    'stores the host’s figures as series, serves them, and answers range queries on them',
    { skip: !linux && 'needs Linux /proc' },
    async () => {
      const t = await startTestApp({ SYSTEM_COLLECT_INTERVAL: '60000' });
      apps.push(t);
      await new Promise((resolve) => setTimeout(resolve, 300)); // some CPU time between two readings
      await t.services.system.collect();
      const { status, body } = await send<SystemSnapshot>(t.app, 'GET', '/api/metrics/system');
      assert.equal(status, 200);
      assert.ok(body.cpu.usageRatio !== null && body.cpu.usageRatio >= 0 && body.cpu.usageRatio <= 1);
      assert.equal(body.cpu.cores.length, body.cpu.cores.filter((c) => c.usageRatio !== null).length);
      const memTotal = parseMeminfo(readFileSync('/proc/meminfo', 'utf8')).get('MemTotal')!;
      assert.equal(body.memory.totalBytes, memTotal);
      assert.ok(body.memory.availableBytes > 0 && body.memory.usedBytes > 0);
      assert.ok(body.filesystems.some((f) => f.mountpoint === '/' && f.sizeBytes > 0 && f.usedRatio > 0));
      assert.ok(body.network.some((n) => n.interface === 'lo' && n.receiveBytesPerSecond !== null));
      assert.deepEqual(body.unavailable, []);

      const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
      for (const line of [
        '# TYPE system_cpu_usage_ratio gauge',
        '# TYPE system_memory_available_bytes gauge',
        '# TYPE system_network_receive_bytes_total counter',
        '# TYPE system_filesystem_avail_bytes gauge',
        '# TYPE system_load1 gauge',
      ]) {
        assert.ok(text.split('\n').includes(line), `missing ${line}`);
      }
      assert.match(text, /^system_filesystem_size_bytes\{[^}]*mountpoint="\/"[^}]*\} \d+$/m);

      const query = await send<{ series: { points: [number, number | null][] }[] }>(
        t.app,
        'GET',
        '/api/metrics/query?metric=system_memory_total_bytes&start=now-5m&fn=last&points=10',
      );
      assert.equal(query.status, 200, JSON.stringify(query.body));
      assert.ok(query.body.series[0]!.points.some(([, v]) => v === memTotal));

      const refused = await send(t.app, 'POST', '/api/metrics/custom', {
        name: 'system_cpu_usage_ratio',
        value: 1,
      });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.code, 'reserved_metric_name');
    },
  );

  it('degrades to what Node.js reports when /proc is missing, with one log line and no crash', async () => {
    const t = await startTestApp({ SYSTEM_COLLECT_INTERVAL: '60000', SYSTEM_PROC_PATH: '/nonexistent/proc' });
    apps.push(t);
    await t.services.system.collect();
    const { status, body } = await send<SystemSnapshot>(t.app, 'GET', '/api/metrics/system');
    assert.equal(status, 200);
    assert.deepEqual(body.unavailable, ['disks', 'network']);
    assert.ok(body.cpu.usageRatio !== null);
    assert.ok(body.memory.totalBytes > 0);
    assert.ok(body.filesystems.some((f) => f.mountpoint === '/'));
  });
});
