import type { Logger } from 'pino';
import type { MetricSample } from '../../ingest/sample-schema.js';
import type { CpuTimes } from './proc-parsers.js';
import type { SystemReader, SystemReading } from './system-reader.js';

/** What GET /api/metrics/system answers: the latest collection, rates over the last interval. */
export interface SystemSnapshot {
  collectedAt: number;
  /** Seconds since the previous collection (rates are over this span); 0 on the first one. */
  intervalSeconds: number;
  cpu: { usageRatio: number | null; cores: { cpu: string; usageRatio: number | null }[] };
  memory: { totalBytes: number; availableBytes: number; usedBytes: number; usedRatio: number };
  load: { load1: number; load5: number; load15: number };
  disks: {
    device: string;
    readBytesPerSecond: number | null;
    writtenBytesPerSecond: number | null;
    readsPerSecond: number | null;
    writesPerSecond: number | null;
  }[];
  filesystems: {
    mountpoint: string;
    device: string;
    fstype: string;
    sizeBytes: number;
    freeBytes: number;
    availBytes: number;
    usedRatio: number;
  }[];
  network: {
    interface: string;
    receiveBytesPerSecond: number | null;
    transmitBytesPerSecond: number | null;
    receiveErrorsTotal: number;
    transmitErrorsTotal: number;
  }[];
  /** Parts this platform cannot tell (only Linux's /proc gives disk and network counters here). */
  unavailable: string[];
}

type Sample = MetricSample & { name: string };

/**
 * Turns readings into series (category `system`, names after node-exporter's with a `system_` prefix and
 * base units) and into the snapshot the API serves. Cumulative counters (disk, network) are pushed as the
 * increase since the previous reading, so a restart of the service never double-counts, and a counter
 * that went backwards (a device re-created) restarts from its new value.
 */
export class SystemCollector {
  private previous: { at: number; reading: SystemReading } | undefined;
  private latest: SystemSnapshot | undefined;
  private warned = false;

  constructor(
    private readonly reader: SystemReader,
    private readonly sink: (samples: Sample[]) => Promise<void>,
    private readonly log: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  get snapshot(): SystemSnapshot | undefined {
    return this.latest;
  }

  async collect(): Promise<SystemSnapshot> {
    const reading = await this.reader.read();
    const at = this.clock();
    const prev = this.previous;
    const seconds = prev === undefined ? 0 : (at - prev.at) / 1000;
    const samples: Sample[] = [];
    const snapshot = this.describe(reading, prev?.reading, seconds, at, samples);
    if (snapshot.unavailable.length > 0 && !this.warned) {
      this.warned = true;
      this.log.info(
        { unavailable: snapshot.unavailable },
        'system collector: this platform does not report these',
      );
    }
    this.previous = { at, reading };
    this.latest = snapshot;
    await this.sink(samples);
    return snapshot;
  }

  private describe(
    now: SystemReading,
    before: SystemReading | undefined,
    seconds: number,
    at: number,
    out: Sample[],
  ): SystemSnapshot {
    const gauge = (
      name: string,
      value: number,
      help: string,
      unit: string,
      labels?: Record<string, string>,
    ): void => {
      out.push({ name, type: 'gauge', value, help, unit, ...(labels === undefined ? {} : { labels }) });
    };
    const counter = (
      name: string,
      value: number,
      previous: number | undefined,
      help: string,
      unit: string,
      labels: Record<string, string>,
    ): number | null => {
      const increase = previous === undefined ? 0 : value >= previous ? value - previous : value;
      out.push({ name, type: 'counter', value: increase, help, unit, labels });
      return previous === undefined || seconds <= 0 ? null : increase / seconds;
    };

    const cpuBefore = new Map((before?.cpu ?? []).map((c) => [c.id, c]));
    const usage = (c: CpuTimes): number | null => cpuUsage(c, cpuBefore.get(c.id));
    const total = now.cpu.find((c) => c.id === 'cpu');
    const totalUsage = total === undefined ? null : usage(total);
    if (totalUsage !== null)
      gauge(
        'system_cpu_usage_ratio',
        totalUsage,
        'CPU busy time over the last interval, all cores (0–1).',
        'ratio',
      );
    const cores = now.cpu
      .filter((c) => c.id !== 'cpu')
      .map((c) => {
        const ratio = usage(c);
        const cpu = c.id.slice(3);
        if (ratio !== null)
          gauge(
            'system_cpu_core_usage_ratio',
            ratio,
            'CPU busy time over the last interval, per core (0–1).',
            'ratio',
            { cpu },
          );
        return { cpu, usageRatio: ratio };
      });

    const { totalBytes, availableBytes } = now.memory;
    const usedBytes = Math.max(0, totalBytes - availableBytes);
    gauge('system_memory_total_bytes', totalBytes, 'Physical memory.', 'bytes');
    gauge(
      'system_memory_available_bytes',
      availableBytes,
      'Memory available without swapping (MemAvailable).',
      'bytes',
    );
    gauge('system_memory_used_bytes', usedBytes, 'Memory in use: total minus available.', 'bytes');

    const [load1, load5, load15] = now.load;
    gauge('system_load1', load1, 'Load average over 1 minute.', '');
    gauge('system_load5', load5, 'Load average over 5 minutes.', '');
    gauge('system_load15', load15, 'Load average over 15 minutes.', '');

    const disksBefore = new Map((before?.disks ?? []).map((d) => [d.device, d]));
    const disks = (now.disks ?? []).map((d) => {
      const p = disksBefore.get(d.device);
      const labels = { device: d.device };
      return {
        device: d.device,
        readBytesPerSecond: counter(
          'system_disk_read_bytes_total',
          d.readBytes,
          p?.readBytes,
          'Bytes read from the device.',
          'bytes',
          labels,
        ),
        writtenBytesPerSecond: counter(
          'system_disk_written_bytes_total',
          d.writtenBytes,
          p?.writtenBytes,
          'Bytes written to the device.',
          'bytes',
          labels,
        ),
        readsPerSecond: counter(
          'system_disk_reads_completed_total',
          d.reads,
          p?.reads,
          'Reads completed.',
          '',
          labels,
        ),
        writesPerSecond: counter(
          'system_disk_writes_completed_total',
          d.writes,
          p?.writes,
          'Writes completed.',
          '',
          labels,
        ),
      };
    });

    const filesystems = (now.filesystems ?? []).map((f) => {
      const labels = { mountpoint: f.mountpoint, device: f.device, fstype: f.fstype };
      gauge('system_filesystem_size_bytes', f.sizeBytes, 'Filesystem size.', 'bytes', labels);
      gauge(
        'system_filesystem_free_bytes',
        f.freeBytes,
        'Free space, including the part reserved for root.',
        'bytes',
        labels,
      );
      gauge(
        'system_filesystem_avail_bytes',
        f.availBytes,
        'Free space available to unprivileged users.',
        'bytes',
        labels,
      );
      const { mountpoint, device, fstype, sizeBytes, freeBytes, availBytes } = f;
      return {
        mountpoint,
        device,
        fstype,
        sizeBytes,
        freeBytes,
        availBytes,
        usedRatio: sizeBytes > 0 ? 1 - availBytes / sizeBytes : 0,
      };
    });

    const netBefore = new Map((before?.network ?? []).map((n) => [n.iface, n]));
    const network = (now.network ?? []).map((n) => {
      const p = netBefore.get(n.iface);
      const labels = { interface: n.iface };
      const receive = counter(
        'system_network_receive_bytes_total',
        n.rxBytes,
        p?.rxBytes,
        'Bytes received.',
        'bytes',
        labels,
      );
      const transmit = counter(
        'system_network_transmit_bytes_total',
        n.txBytes,
        p?.txBytes,
        'Bytes sent.',
        'bytes',
        labels,
      );
      counter('system_network_receive_errors_total', n.rxErrors, p?.rxErrors, 'Receive errors.', '', labels);
      counter(
        'system_network_transmit_errors_total',
        n.txErrors,
        p?.txErrors,
        'Transmit errors.',
        '',
        labels,
      );
      return {
        interface: n.iface,
        receiveBytesPerSecond: receive,
        transmitBytesPerSecond: transmit,
        receiveErrorsTotal: n.rxErrors,
        transmitErrorsTotal: n.txErrors,
      };
    });

    const unavailable: string[] = [];
    if (now.disks === null) unavailable.push('disks');
    if (now.network === null) unavailable.push('network');
    if (now.filesystems === null) unavailable.push('filesystems');
    return {
      collectedAt: at,
      intervalSeconds: seconds,
      cpu: { usageRatio: totalUsage, cores },
      memory: {
        totalBytes,
        availableBytes,
        usedBytes,
        usedRatio: totalBytes > 0 ? usedBytes / totalBytes : 0,
      },
      load: { load1, load5, load15 },
      disks,
      filesystems,
      network,
      unavailable,
    };
  }
}

/** Busy share of the time between two readings of one CPU; null without an earlier reading. */
function cpuUsage(now: CpuTimes, before: CpuTimes | undefined): number | null {
  if (before === undefined) return null;
  const total = now.total - before.total;
  if (total <= 0) return 0;
  return Math.min(1, Math.max(0, (now.busy - before.busy) / total));
}
