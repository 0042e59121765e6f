import { mkdirSync, readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ExpositionType } from './text-format.js';
import type { GroupingKey } from './grouping-key.js';

export interface OwnedSeries {
  name: string;
  labels: Record<string, string>;
}

export interface GroupFamily {
  type: ExpositionType;
  help: string;
  series: OwnedSeries[];
}

/** One push group: what it owns in the TSDB, and its times (seconds, as push_time_seconds says). */
export interface PushGroup {
  key: GroupingKey;
  families: Record<string, GroupFamily>;
  pushTimeSeconds: number;
  failureTimeSeconds: number;
  /** 0: kept until deleted. */
  ttlSeconds: number;
}

interface FileContent {
  version: 1;
  groups: PushGroup[];
}

/**
 * The groups survive a restart in one JSON file in DATA_DIR, replaced atomically (write, then rename)
 * after every change. The series themselves are in the TSDB; the file says which group owns which, so a
 * later PUT, DELETE or expiry still removes them.
 */
export class GroupFile {
  constructor(private readonly path: string) {}

  load(): PushGroup[] {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const content = JSON.parse(text) as { version?: unknown; groups?: unknown };
    if (content.version !== 1 || !Array.isArray(content.groups)) {
      throw new Error(`${this.path} is not a push group file of this version`);
    }
    return content.groups as PushGroup[];
  }

  async save(groups: Iterable<PushGroup>): Promise<void> {
    mkdirSync(dirname(this.path), { recursive: true });
    const content: FileContent = { version: 1, groups: [...groups] };
    const temporary = `${this.path}.tmp`;
    await writeFile(temporary, JSON.stringify(content));
    await rename(temporary, this.path);
  }
}
