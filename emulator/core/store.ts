// A bounded map that forgets its least recently used entries, in two tiers: settled entries
// (closed, cancelled, returned sessions) go before active ones, so a soak test keeps its open
// sessions while old finished ones make room. Maps keep insertion order, so "touch" is
// delete + set and the oldest entry is the first key. Eviction walks one long-lived iterator per
// tier: asking a fresh keys().next() for the first key would step over every deleted slot before
// it (V8 compacts a Map's table only now and then), which made eviction O(n) and took a third of
// the time of a full store.
export class TieredLru<V> {
  private readonly active = new Map<string, V>();
  private readonly settled = new Map<string, V>();
  private activeCursor: Iterator<string> = this.active.keys();
  private settledCursor: Iterator<string> = this.settled.keys();
  evictions = 0;

  constructor(
    private readonly cap: number,
    private readonly isSettled: (v: V) => boolean,
  ) {}

  get size(): number {
    return this.active.size + this.settled.size;
  }

  get(key: string): V | undefined {
    return this.active.get(key) ?? this.settled.get(key);
  }

  /** Stores (or re-stores after a change) and marks the entry as the most recently used. */
  set(key: string, value: V): void {
    this.active.delete(key);
    this.settled.delete(key);
    (this.isSettled(value) ? this.settled : this.active).set(key, value);
    while (this.size > this.cap) this.evictOne();
  }

  private evictOne(): void {
    const settled = this.settled.size > 0;
    const from = settled ? this.settled : this.active;
    // Map iterators are live: they skip deleted entries and reach entries added after them (a
    // touched key is re-added at the end, which is its new place in the LRU order). A finished
    // iterator stays finished, so start a new one then.
    let oldest = (settled ? this.settledCursor : this.activeCursor).next();
    if (oldest.done) {
      const fresh = from.keys();
      if (settled) this.settledCursor = fresh;
      else this.activeCursor = fresh;
      oldest = fresh.next();
      if (oldest.done) return;
    }
    from.delete(oldest.value);
    this.evictions++;
  }
}
