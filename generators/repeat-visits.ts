// Learned repeat visits: over a cycle of about `window` sessions (a recording's worth), a share of
// the positions are guests and the rest belong to customers who come back k times, k drawn so that
// the cycle holds the learned share of customers with k sessions. Positions are spread through the
// cycle by an affine permutation, so one customer's sessions are far apart; each cycle takes fresh
// customers from the pool's rotation. Customers of one session get a profile ID of their own, so
// the pool serves only returning customers (a pool smaller than a cycle's returning customers
// repeats them). Arithmetic only: no per-session or per-profile memory.
//
// The cycle's layout depends on the profile only and is compiled into the PlanModel's table
// buffer (writeRepeatVisits); the permutation depends on the seed, so each planner makes its own
// RepeatVisits over the compiled layout. Pure and k6-safe.
import { mix32 } from '../model/hash.ts';
import { coprimeStride, mulMod } from './random.ts';

/** RepeatVisits.slot() for a guest session, and for a customer who has one session only. */
export const GUEST = -1;
export const ONCE = -2;

/**
 * Appends the cycle's layout: guests, cycle length, returning customers per cycle, the number of
 * classes c, then c starts (positions after the guests), c first slots, c visit counts. Returns
 * where it starts.
 */
export function writeRepeatVisits(
  out: number[],
  weights: readonly number[],
  window: number,
  guestShare: number,
): number {
  const guests = Math.round(window * guestShare);
  const known = window - guests;
  let sessionsWeight = 0;
  weights.forEach((w, i) => (sessionsWeight += w * (i + 1)));
  const starts: number[] = [];
  const slotBase: number[] = [];
  const ks: number[] = [];
  let position = 0;
  let slots = 0;
  let best = 0;
  weights.forEach((w, i) => {
    const k = i + 1;
    if (w * k > (weights[best] as number) * (best + 1)) best = i;
    const profiles = Math.round((known * w) / sessionsWeight);
    if (profiles === 0) return;
    starts.push(position);
    slotBase.push(slots);
    ks.push(k);
    position += profiles * k;
    if (k > 1) slots += profiles;
  });
  if (position === 0) {
    // A window too short for any class: one customer of the most frequent kind.
    starts.push(0);
    slotBase.push(0);
    ks.push(best + 1);
    position = best + 1;
    slots = 1;
  }
  const at = out.length;
  out.push(guests, guests + position, Math.max(1, slots), starts.length, ...starts, ...slotBase, ...ks);
  return at;
}

/** The repeat visits of one planner (one seed) over a compiled layout. */
export class RepeatVisits {
  declare private readonly data: Float64Array;
  declare private readonly length: number;
  declare private readonly guests: number;
  declare private readonly slots: number;
  declare private readonly classes: number;
  /** Where the starts begin in `data`; the first slots follow them, then the visit counts. */
  declare private readonly starts: number;
  declare private readonly stride: number;
  declare private readonly offset: number;

  constructor(data: Float64Array, at: number, seedHash: number) {
    this.data = data;
    this.guests = data[at] as number;
    this.length = data[at + 1] as number;
    this.slots = data[at + 2] as number;
    this.classes = data[at + 3] as number;
    this.starts = at + 4;
    this.stride = coprimeStride(this.length, mix32(seedHash ^ 0x165667b1));
    this.offset = mix32(seedHash ^ 0x61c88647) % this.length;
  }

  /** The customer slot of session `index` (an index into the profile rotation), GUEST, or ONCE for a customer of one session. */
  slot(index: number): number {
    const n = this.length;
    const data = this.data;
    const cycle = Math.floor(index / n);
    const q = (mulMod(index % n, this.stride, n) + this.offset) % n;
    if (q < this.guests) return GUEST;
    const p = q - this.guests;
    const starts = this.starts;
    let lo = 0;
    let hi = this.classes - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((data[starts + mid] as number) <= p) lo = mid;
      else hi = mid - 1;
    }
    const k = data[starts + 2 * this.classes + lo] as number;
    if (k === 1) return ONCE;
    const inClass = Math.floor((p - (data[starts + lo] as number)) / k);
    return cycle * this.slots + (data[starts + this.classes + lo] as number) + inClass;
  }
}
