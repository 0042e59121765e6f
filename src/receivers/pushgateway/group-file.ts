import { readFileSync, renameSync } from 'node:fs';
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

/**
 * The per-process JSON file in DATA_DIR where earlier versions kept the groups. Read once, when its groups
 * move into the shared store (push-group-store.ts), then renamed `.imported` (kept for the operator, never
 * read again).
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

  retire(): void {
    renameSync(this.path, `${this.path}.imported`);
  }
}
