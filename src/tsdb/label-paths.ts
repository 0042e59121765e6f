import type { Labels } from '../domain/metric.js';

interface PathNode<T> {
  /** The set whose labels are exactly the pairs on the way here, in this order. */
  set: T | undefined;
  /** Next pair: label name, then its value. */
  next: Map<string, Map<string, PathNode<T>>> | undefined;
  /** Where a set was stored: the pairs on the way here (name, value, name, value…), set once. */
  pairs?: readonly string[];
  /** The node found right after this one, the last time: a sender sends its series in the same order. */
  following?: PathNode<T>;
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
  /** The node of the last set found, whose `following` predicts the next lookup. */
  private last: PathNode<T> | undefined;

  /**
   * The set stored under exactly these pairs in this order (own enumerable properties), if any. The node
   * found after the previous one last time is tried first: comparing its pairs costs less than a Map probe
   * per name and per value on a large tree. A predicted node whose set was removed is not trusted (it may
   * have been pruned from the tree); the walk decides then.
   */
  find(labels: Labels): T | undefined {
    const predicted = this.last?.following;
    if (predicted?.set !== undefined && samePairs(predicted.pairs!, labels)) {
      this.last = predicted;
      return predicted.set;
    }
    const found = this.walk(labels);
    if (found?.set === undefined) return undefined;
    if (this.last !== undefined) this.last.following = found;
    this.last = found;
    return found.set;
  }

  private walk(labels: Labels): PathNode<T> | undefined {
    let node: PathNode<T> | undefined = this.root;
    // for…in instead of Object.keys: no array per lookup. Inherited properties are not labels: one
    // ends the walk as a miss, and the caller's own-keys lookup decides.
    for (const name in labels) {
      if (!Object.hasOwn(labels, name)) return undefined;
      node = node.next?.get(name)?.get(labels[name]!);
      if (node === undefined) return undefined;
    }
    return node;
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
    node.pairs ??= names.flatMap((name) => [name, labels[name]!]);
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
    // Nodes of the old tree keep their sets: no prediction may lead back to them.
    this.last = undefined;
  }
}

/** Whether `labels` holds exactly these pairs, in this order, as own enumerable properties. */
function samePairs(pairs: readonly string[], labels: Labels): boolean {
  let at = 0;
  for (const name in labels) {
    if (!Object.hasOwn(labels, name) || pairs[at] !== name || pairs[at + 1] !== labels[name]) return false;
    at += 2;
  }
  return at === pairs.length;
}
