// Talon.One's concurrency rule for one customer profile or one session ID: one request in process,
// at most 2 more waiting, any further one refused (409). One small record per busy key, deleted as
// soon as the key is idle, so memory follows the number of keys in flight, not the keys ever seen.
import { LIMITS } from '../../model/limits.ts';

interface Slot {
  /** Admitted requests not yet finished: the one in process plus those waiting. */
  pending: number;
  busy: boolean;
  waiters: (() => void)[];
}

export class KeyedSerializer {
  private readonly slots = new Map<string, Slot>();
  constructor(private readonly maxPending: number = 1 + LIMITS.maxQueuedPerKey) {}

  get keysInFlight(): number {
    return this.slots.size;
  }

  /** Counts the request against every key, or returns the first key that is full (nothing counted then). */
  admit(keys: readonly string[]): string | undefined {
    for (const k of keys) {
      const s = this.slots.get(k);
      if (s && s.pending >= this.maxPending) return k;
    }
    for (const k of keys) {
      const s = this.slots.get(k);
      if (s) s.pending++;
      else this.slots.set(k, { pending: 1, busy: false, waiters: [] });
    }
    return undefined;
  }

  /** Resolves when the request holds the key. Keys are always taken in the same order (session, then profile), so requests cannot deadlock. */
  acquire(key: string): Promise<void> | undefined {
    const s = this.slots.get(key)!;
    if (!s.busy) {
      s.busy = true;
      return undefined;
    }
    return new Promise((resolve) => s.waiters.push(resolve));
  }

  /** Ends an admitted request's hold (or its wait) on a key; hands the key to the next waiter. */
  release(key: string): void {
    const s = this.slots.get(key);
    if (!s) return;
    s.pending--;
    const next = s.waiters.shift();
    if (next) next();
    else {
      s.busy = false;
      if (s.pending === 0) this.slots.delete(key);
    }
  }
}

/**
 * A fixed number of workers with a first-come queue: the capacity knob's saturation point. A worker
 * handed from one request to the next carries the time its previous request's service ended (by
 * the schedule, not by when the timer fired), so that timer lateness delays answers without
 * lowering the ceiling: busy workers serve exactly W × 1000 / S requests a second.
 */
export class WorkerPool {
  private active = 0;
  private readonly queue: ((freedAt: number | undefined) => void)[] = [];
  constructor(
    private readonly workers: number,
    private readonly queueLimit: number,
  ) {}

  get busy(): number {
    return this.active;
  }
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Takes a worker: undefined when one is free now; a promise (of when the worker's previous
   * service ended, as given to give()) when all are busy; false when the queue is full.
   */
  take(): Promise<number | undefined> | undefined | false {
    if (this.active < this.workers) {
      this.active++;
      return undefined;
    }
    if (this.queue.length >= this.queueLimit) return false;
    return new Promise((resolve) => this.queue.push(resolve));
  }

  /** Hands the worker to the next queued request, with the time its service ended (performance.now() ms). */
  give(freedAt?: number): void {
    const next = this.queue.shift();
    if (next) next(freedAt);
    else this.active--;
  }
}
