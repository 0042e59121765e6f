import type { Labels } from '../domain/metric.js';

interface PathNode<T> {
  /** The set whose labels are exactly the pairs on the way here, in this order. */
  set: T | undefined;
  /** Next pair: label name, then its value. */
  next: Map<string, Map<string, PathNode<T>>> | undefined;
}

/**
 * Label sets by their label pairs in the order a sender writes them: a tree of Maps, one level per
 * pair. A lookup is one Map probe per name and per value, and allocates nothing: no key array, no hash
 * computed in JavaScript (V8 hashes each string once, natively). The order matters here, so this is only
 * a cache in front of `LabelSetIndex`'s order-free hash: a miss says nothing, and the index adds the
 * sender's order after the hash found the set.
 */
export class LabelPaths<T> {
  private root: PathNode<T> = { set: undefined, next: undefined };

  /** The set stored under exactly these pairs in this order (own enumerable properties), if any. */
  find(labels: Labels): T | undefined {
    let node: PathNode<T> | undefined = this.root;
    // for…in instead of Object.keys: no array per lookup. Inherited properties are not labels: one
    // ends the walk as a miss, and the caller's own-keys lookup decides.
    for (const name in labels) {
      if (!Object.hasOwn(labels, name)) return undefined;
      node = node.next?.get(name)?.get(labels[name]!);
      if (node === undefined) return undefined;
    }
    return node.set;
  }

  /** Stores `set` under the pairs of `labels` in the order of `names`. */
  add(names: readonly string[], labels: Labels, set: T): void {
    let node = this.root;
    for (const name of names) {
      node.next ??= new Map();
      let byValue = node.next.get(name);
      if (byValue === undefined) {
        byValue = new Map();
        node.next.set(name, byValue);
      }
      const value = labels[name]!;
      let child = byValue.get(value);
      if (child === undefined) {
        child = { set: undefined, next: undefined };
        byValue.set(value, child);
      }
      node = child;
    }
    node.set = set;
  }

  /** Forgets the path of `names` (as given to `add`) if it leads to `set`, and prunes what it leaves empty. */
  remove(names: readonly string[], labels: Labels, set: T): void {
    const trail: { byValue: Map<string, PathNode<T>>; node: PathNode<T>; name: string }[] = [];
    let node = this.root;
    for (const name of names) {
      const byValue = node.next?.get(name);
      const child = byValue?.get(labels[name]!);
      if (byValue === undefined || child === undefined) return;
      trail.push({ byValue, node, name });
      node = child;
    }
    if (node.set !== set) return;
    node.set = undefined;
    for (let i = trail.length - 1; i >= 0; i--) {
      const { byValue, node: parent, name } = trail[i]!;
      const child = byValue.get(labels[name]!)!;
      if (child.set !== undefined || (child.next?.size ?? 0) > 0) return;
      byValue.delete(labels[name]!);
      if (byValue.size === 0) parent.next!.delete(name);
    }
  }

  clear(): void {
    this.root = { set: undefined, next: undefined };
  }
}
