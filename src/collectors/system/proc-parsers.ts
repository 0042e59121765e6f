/**
 * Parsers of the Linux /proc files the system collector reads. Pure functions over file text, so they are
 * tested against this machine's real files and against captured samples alike.
 */

export interface CpuTimes {
  /** `cpu` for the total, `cpu0`… per core. */
  id: string;
  /** Jiffies spent busy (everything but idle and iowait) and in total. */
  busy: number;
  total: number;
}

/** /proc/stat: the `cpu` lines (user nice system idle iowait irq softirq steal; guest is inside user). */
export function parseProcStat(text: string): CpuTimes[] {
  const out: CpuTimes[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('cpu')) continue;
    const [id, ...fields] = line.trim().split(/\s+/);
    const n = fields.slice(0, 8).map(Number);
    if (id === undefined || n.length < 4 || n.some((x) => !Number.isFinite(x))) continue;
    const idle = n[3]! + (n[4] ?? 0);
    const total = n.reduce((a, b) => a + b, 0);
    out.push({ id, busy: total - idle, total });
  }
  return out;
}

/** /proc/meminfo in bytes, keyed by field name (MemTotal, MemAvailable…). */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(\w+(?:\(\w+\))?):\s+(\d+)(?:\s+kB)?/.exec(line);
    if (match !== null) out.set(match[1]!, Number(match[2]) * (line.includes('kB') ? 1024 : 1));
  }
  return out;
}

export interface DiskCounters {
  device: string;
  reads: number;
  readBytes: number;
  writes: number;
  writtenBytes: number;
}

/**
 * Devices that are partitions, RAM or loop devices, or device-mapper aliases of counted disks: counted
 * through their whole disk, or not disks at all. The same default as node-exporter's.
 */
const IGNORED_DISKS = /^(z?ram|loop|fd|(h|s|v|xv)d[a-z]|nvme\d+n\d+p|mmcblk\d+p)\d+$/;

/** /proc/diskstats: completed reads and writes and their bytes (sectors are 512 bytes here, always). */
export function parseDiskstats(text: string): DiskCounters[] {
  const out: DiskCounters[] = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    const device = f[2]!;
    if (IGNORED_DISKS.test(device)) continue;
    out.push({
      device,
      reads: Number(f[3]),
      readBytes: Number(f[5]) * 512,
      writes: Number(f[7]),
      writtenBytes: Number(f[9]) * 512,
    });
  }
  return out;
}

export interface NetCounters {
  iface: string;
  rxBytes: number;
  rxErrors: number;
  txBytes: number;
  txErrors: number;
}

/** /proc/net/dev: bytes and errors received and sent per interface. */
export function parseNetDev(text: string): NetCounters[] {
  const out: NetCounters[] = [];
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const iface = line.slice(0, colon).trim();
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    if (f.length < 16 || f.some((x) => !Number.isFinite(x))) continue;
    out.push({ iface, rxBytes: f[0]!, rxErrors: f[2]!, txBytes: f[8]!, txErrors: f[10]! });
  }
  return out;
}

export interface Mount {
  device: string;
  mountpoint: string;
  fstype: string;
}

/** Pseudo and read-only image filesystems: no capacity worth watching (node-exporter's default list). */
const IGNORED_FSTYPES = new Set([
  'autofs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'fusectl',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nsfs',
  'proc',
  'procfs',
  'pstore',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tracefs',
  'tmpfs',
  'ramfs',
  'nfsd',
  'fuse.lxcfs',
]);
const IGNORED_MOUNTPOINTS =
  /^\/(dev|proc|run|sys|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+)($|\/)/;

/** /proc/mounts: real filesystems, one entry per mount point, octal escapes (\040 for a space) decoded. */
export function parseMounts(text: string): Mount[] {
  const seen = new Set<string>();
  const out: Mount[] = [];
  for (const line of text.split('\n')) {
    const [device, rawPoint, fstype] = line.split(' ');
    if (device === undefined || rawPoint === undefined || fstype === undefined) continue;
    const mountpoint = rawPoint.replace(/\\([0-7]{3})/g, (_, octal: string) =>
      String.fromCharCode(parseInt(octal, 8)),
    );
    if (IGNORED_FSTYPES.has(fstype) || IGNORED_MOUNTPOINTS.test(mountpoint) || seen.has(mountpoint)) continue;
    seen.add(mountpoint);
    out.push({ device, mountpoint, fstype });
  }
  return out;
}
