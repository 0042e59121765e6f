import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/** Socket inodes a process holds open (/proc/<pid>/fd → socket:[inode]). */
function socketInodes(pid: number): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync(`/proc/${String(pid)}/fd`)) {
    try {
      const target = readlinkSync(`/proc/${String(pid)}/fd/${fd}`);
      const match = /^socket:\[(\d+)\]$/.exec(target);
      if (match !== null) inodes.add(match[1]!);
    } catch {
      // closed meanwhile
    }
  }
  return inodes;
}

/**
 * How many established TCP connections process `pid` has to each remote port (e.g. 5432, 6379), from
 * /proc: counted on the client's side, so a connection nobody named (a rate limiter's own Redis client)
 * counts too, and only this process's connections do (other suites share the servers).
 */
export function connectionsByRemotePort(pid: number): Map<number, number> {
  const inodes = socketInodes(pid);
  const counts = new Map<number, number>();
  for (const table of ['tcp', 'tcp6']) {
    let text: string;
    try {
      text = readFileSync(`/proc/${String(pid)}/net/${table}`, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      // local_address rem_address st … inode (field 9); st 01 = ESTABLISHED.
      if (fields.length < 10 || fields[3] !== '01' || !inodes.has(fields[9]!)) continue;
      const port = parseInt(fields[2]!.split(':')[1]!, 16);
      counts.set(port, (counts.get(port) ?? 0) + 1);
    }
  }
  return counts;
}
