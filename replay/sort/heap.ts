// A binary min-heap of merge cursors ordered by (key, run), so equal keys come out in run order:
// runs are consecutive stretches of the input, which makes the merge stable.

export interface Cursor {
  key: number;
  run: number;
}

const before = (a: Cursor, b: Cursor): boolean => a.key < b.key || (a.key === b.key && a.run < b.run);

export class CursorHeap<T extends Cursor> {
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
    this.up(a.length - 1);
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (a.length > 0 && last !== undefined) {
      a[0] = last;
      this.down(0);
    }
    return top;
  }

  /** Restores order after the top's key grew (the usual step of a k-way merge: one sift, no pop/push). */
  updateTop(): void {
    if (this.items.length > 0) this.down(0);
  }

  private up(i: number): void {
    const a = this.items;
    const item = a[i] as T;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = a[parent] as T;
      if (!before(item, p)) break;
      a[i] = p;
      i = parent;
    }
    a[i] = item;
  }

  private down(i: number): void {
    const a = this.items;
    const n = a.length;
    const item = a[i] as T;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      if (r < n && before(a[r] as T, a[l] as T)) c = r;
      if (!before(a[c] as T, item)) break;
      a[i] = a[c] as T;
      i = c;
    }
    a[i] = item;
  }
}
