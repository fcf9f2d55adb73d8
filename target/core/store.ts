// A bounded map that forgets its least recently used entries, in two tiers: settled entries
// (closed, cancelled, returned sessions) go before active ones, so a soak test keeps its open
// sessions while old finished ones make room. Maps keep insertion order, so "touch" is
// delete + set and the oldest entry is the first key: O(1) everywhere.
export class TieredLru<V> {
  private readonly active = new Map<string, V>();
  private readonly settled = new Map<string, V>();
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

  clear(): void {
    this.active.clear();
    this.settled.clear();
  }

  private evictOne(): void {
    const from = this.settled.size > 0 ? this.settled : this.active;
    const oldest = from.keys().next();
    if (oldest.done) return;
    from.delete(oldest.value);
    this.evictions++;
  }
}
