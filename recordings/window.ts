// A bounded reorder window for recordings that are nearly in time order (request logs written as
// the traffic happened): events wait in a min-heap and leave it once they are older than the
// newest time seen less the window, so a replay starts after one window of rows instead of after
// the whole file is read and sorted. Memory holds the events inside the window. A row further
// behind than the window may come after events already let out: it is reported, not reordered.
import { DueHeap, type Due } from './sort/heap.ts';
import type { ReplayEvent } from './events.ts';

interface Waiting extends Due {
  e: ReplayEvent;
}

export class ReorderWindow {
  private readonly heap = new DueHeap<Waiting>();
  private seq = 0;
  private newest = Number.NEGATIVE_INFINITY;

  constructor(readonly windowMs: number) {
    if (!(windowMs >= 0 && Number.isFinite(windowMs)))
      throw new RangeError(`sortWindowMs must be a finite number of ms ≥ 0, got ${windowMs}`);
  }

  /**
   * Takes a row's events (an export row has several, up to its close or cancel); the row's time is
   * its earliest event's, and only that moves the window on, so a session's close, hours later,
   * waits without pushing the row's neighbours out. A row more than the window behind the newest
   * row seen is late, whether or not events after it have left yet (so the verdict does not
   * depend on how the file was chunked): returns by how many ms, and adds nothing.
   */
  add(events: readonly ReplayEvent[]): number | undefined {
    let rowTime = Number.POSITIVE_INFINITY;
    for (const e of events) rowTime = Math.min(rowTime, e.time);
    if (rowTime < this.newest - this.windowMs) return this.newest - rowTime;
    if (rowTime > this.newest) this.newest = rowTime;
    for (const e of events) this.heap.push({ due: e.time, seq: this.seq++, e });
    return undefined;
  }

  /** The events older than the newest row's time less the window, in time order (ties in file order). */
  *ready(): Generator<ReplayEvent> {
    const limit = this.newest - this.windowMs;
    for (let top = this.heap.peek(); top !== undefined && top.due <= limit; top = this.heap.peek()) {
      this.heap.pop();
      yield top.e;
    }
  }

  /** Every event still waiting, in time order: the end of the recording. */
  *rest(): Generator<ReplayEvent> {
    for (let top = this.heap.pop(); top !== undefined; top = this.heap.pop()) yield top.e;
  }

  get size(): number {
    return this.heap.size;
  }
}
