// A binary min-heap of scheduled steps by due time (ties in arrival order), so generated plans,
// whose steps start at offsets, and recorded events, already in order, share one timer.

export interface Due {
  due: number;
  seq: number;
}

const before = (a: Due, b: Due): boolean => a.due < b.due || (a.due === b.due && a.seq < b.seq);

export class DueHeap<T extends Due> {
  private readonly items: T[] = [];

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(item: T): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as T;
      if (!before(item, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length === 0 || last === undefined) return top;
    let i = 0;
    const n = a.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(a[r] as T, a[l] as T) ? r : l;
      if (!before(a[child] as T, last)) break;
      a[i] = a[child] as T;
      i = child;
    }
    a[i] = last;
    return top;
  }

  /** Empties the heap, returning how many items it held. */
  clear(): number {
    const n = this.items.length;
    this.items.length = 0;
    return n;
  }
}
