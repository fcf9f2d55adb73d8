// Talon.One's Idempotency-Key on the write endpoints: the answer to a key is stored (24 hours)
// and a request repeating the key gets that answer again without being processed. Bounded like
// the session store, so a soak test sending a fresh key per request cannot exhaust memory.
import { LIMITS } from '../../model/limits.ts';
import type { CoreResponse } from '../core/errors.ts';
import { TieredLru } from '../core/store.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

interface Stored {
  at: number;
  res: CoreResponse;
}

export class IdempotencyStore {
  private readonly answers: TieredLru<Stored>;
  replays = 0;

  constructor(cap: number) {
    this.answers = new TieredLru<Stored>(cap, () => true);
  }

  /** The error for a key that breaks the documented limit, or undefined. */
  static check(key: string): string | undefined {
    if (key.length === 0 || key.length > LIMITS.maxIdempotencyKeyLength) {
      return `The Idempotency-Key header must have 1 to ${LIMITS.maxIdempotencyKeyLength} characters, got ${key.length}`;
    }
    return undefined;
  }

  recall(key: string, now: number): CoreResponse | undefined {
    const hit = this.answers.get(key);
    if (!hit || now - hit.at > IDEMPOTENCY_TTL_MS) return undefined;
    this.replays++;
    return hit.res;
  }

  remember(key: string, res: CoreResponse, now: number): void {
    this.answers.set(key, { at: now, res });
  }

  get size(): number {
    return this.answers.size;
  }
}
