import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { cpus, freemem, loadavg, platform, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  parseDiskstats,
  parseMeminfo,
  parseMounts,
  parseNetDev,
  parseProcStat,
  type CpuTimes,
  type DiskCounters,
  type Mount,
  type NetCounters,
} from './proc-parsers.js';

export interface FilesystemSpace extends Mount {
  sizeBytes: number;
  freeBytes: number;
  availBytes: number;
}

/** Raw readings: gauges as they are, counters as cumulative totals (the collector takes differences). */
export interface SystemReading {
  cpu: CpuTimes[];
  memory: { totalBytes: number; availableBytes: number };
  load: [number, number, number];
  /** null: this platform does not tell (only Linux's /proc does, here). */
  disks: DiskCounters[] | null;
  network: NetCounters[] | null;
  filesystems: FilesystemSpace[] | null;
}

/** Interfaces of containers come and go by the hundred; their traffic shows on the bridge anyway. */
const IGNORED_INTERFACES = /^veth/;
/** A hung network mount must not hold a collection (statfs runs on the libuv thread pool). */
const STATFS_TIMEOUT_MS = 2000;

/**
 * Reads the machine's figures: Linux's /proc (under `procRoot`, so a container can watch its host through
 * a bind mount, as node-exporter's --path.procfs does), or what Node's `os` module offers elsewhere.
 */
export class SystemReader {
  constructor(private readonly procRoot = '/proc') {}

  async read(): Promise<SystemReading> {
    const stat = this.proc('stat');
    if (stat === undefined) return this.portable();
    const meminfo = this.proc('meminfo');
    const diskstats = this.proc('diskstats');
    const netdev = this.proc('net/dev');
    const mounts = this.proc('mounts');
    const mem = meminfo === undefined ? undefined : parseMeminfo(meminfo);
    const total = mem?.get('MemTotal') ?? totalmem();
    // MemAvailable (kernel ≥ 3.14) is what can be used without swapping; MemFree alone undercounts.
    const available = mem?.get('MemAvailable') ?? mem?.get('MemFree') ?? freemem();
    return {
      cpu: parseProcStat(stat),
      memory: { totalBytes: total, availableBytes: available },
      load: loadavg() as [number, number, number],
      disks: diskstats === undefined ? null : parseDiskstats(diskstats),
      network:
        netdev === undefined ? null : parseNetDev(netdev).filter((n) => !IGNORED_INTERFACES.test(n.iface)),
      filesystems: mounts === undefined ? null : await spaceOf(parseMounts(mounts)),
    };
  }

  /** Not Linux (or no /proc): CPU, memory and load from `os`; disks and network are not known. */
  private async portable(): Promise<SystemReading> {
    const cores = cpus().map((c, i) => {
      const { user, nice, sys, idle, irq } = c.times;
      return { id: `cpu${String(i)}`, busy: user + nice + sys + irq, total: user + nice + sys + irq + idle };
    });
    const all = cores.reduce((a, c) => ({ id: 'cpu', busy: a.busy + c.busy, total: a.total + c.total }), {
      id: 'cpu',
      busy: 0,
      total: 0,
    });
    const root =
      platform() === 'win32'
        ? undefined
        : await spaceOf([{ device: 'root', mountpoint: '/', fstype: 'unknown' }]);
    return {
      cpu: [all, ...cores],
      memory: { totalBytes: totalmem(), availableBytes: freemem() },
      load: loadavg() as [number, number, number],
      disks: null,
      network: null,
      filesystems: root ?? null,
    };
  }

  /**
   * Synchronous on purpose: procfs files are generated in memory and never wait on a device. Five sync
   * reads cost ~0.1 ms of CPU in all; the same through fs.promises cost 0.6–0.8 ms (four thread-pool
   * round trips per file) for no gain in responsiveness (bench: npm run bench -- collectors).
   */
  private proc(file: string): string | undefined {
    try {
      return readFileSync(join(this.procRoot, file), 'utf8');
    } catch {
      return undefined;
    }
  }
}

async function spaceOf(mounts: readonly Mount[]): Promise<FilesystemSpace[]> {
  const results = await Promise.all(
    mounts.map(async (mount) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => {
          resolve(undefined);
        }, STATFS_TIMEOUT_MS);
        timer.unref();
      });
      try {
        const s = await Promise.race([statfs(mount.mountpoint), timeout]);
        if (s === undefined || s.blocks === 0) return undefined;
        return {
          ...mount,
          sizeBytes: s.blocks * s.bsize,
          freeBytes: s.bfree * s.bsize,
          availBytes: s.bavail * s.bsize,
        };
      } catch {
        return undefined; // permission denied, a mount gone since /proc/mounts was read…
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  return results.filter((r): r is FilesystemSpace => r !== undefined);
}
