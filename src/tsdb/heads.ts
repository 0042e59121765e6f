import { SeriesHead } from './series-head.js';

/** The in-memory head of every numeric series, by series id. Internal to the TSDB. */
export class Heads {
  private readonly heads = new Map<number, SeriesHead>();

  get size(): number {
    return this.heads.size;
  }

  get(id: number): SeriesHead | undefined {
    return this.heads.get(id);
  }

  ensure(id: number): SeriesHead {
    let head = this.heads.get(id);
    if (head === undefined) {
      head = new SeriesHead(id);
      this.heads.set(id, head);
    }
    return head;
  }

  /** Appends an already durable sample; false (nothing changed) when older than the newest one. */
  append(id: number, t: number, v: number): boolean {
    return this.ensure(id).append(t, v);
  }

  drop(ids: readonly number[]): void {
    for (const id of ids) this.heads.delete(id);
  }

  clear(): void {
    this.heads.clear();
  }

  dirty(): SeriesHead[] {
    const out: SeriesHead[] = [];
    for (const head of this.heads.values()) if (head.dirty) out.push(head);
    return out;
  }
}
