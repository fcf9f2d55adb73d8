// The seeded randomness of the assembly layer: a tiny PRNG and integer-only draws from precomputed
// tables (built by tables.ts, at build time for the presets). Pure and k6-safe (no Node APIs).
//
// Why tables of integers: the same seed must give byte-identical plans in Node (V8) and in k6
// (Sobek, whose Math.log/exp are Go's). Transcendental functions are not guaranteed to agree in the
// last bit across engines, so they are used only once, to build a table whose thresholds are then
// rounded to integers; every per-session draw compares 32-bit integers and nothing else.
import { mix32 } from '../model/hash.ts';

/** 2^32 as a double: uint32 draws are compared against cumulative thresholds on this scale. */
export const TWO_32 = 4294967296;

/** sfc32 (Chris Doty-Humphrey's Small Fast Chaotic PRNG): 128 bits of state, passes PractRand. */
export class Rng {
  // `declare` fields (here and in every class of the assembly): assigned in the constructor, not
  // defined by emitted class-field code, which esbuild lowers for k6's target to one
  // Object.defineProperty call per field: dear in an interpreter for objects made per session.
  // The state is public for the few per-item loops that inline u32() and write the state back
  // (a call per draw is dear in an interpreter); everything else calls u32().
  declare a: number;
  declare b: number;
  declare c: number;
  declare d: number;

  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    // Seeds come through mix32 (full avalanche), so one round is enough to decorrelate them.
    this.u32();
  }

  /** A uniform integer in [0, 2^32). */
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform integer in [0, n) for 0 < n ≤ 2^32 (multiply-shift: exact in doubles, tiny bias for huge n only). */
  below(n: number): number {
    return Math.floor((this.u32() * n) / TWO_32);
  }

  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number {
    return min + this.below(max - min + 1);
  }

  /** True with the probability given as a table threshold (see chance()). */
  hit(threshold: number): boolean {
    return this.u32() < threshold;
  }
}

/** A probability in [0, 1] as a uint32 threshold, so that `rng.hit(chance(p))` is integer-only. */
export function chance(p: number): number {
  if (!(p > 0)) return 0;
  if (p >= 1) return TWO_32;
  return Math.round(p * TWO_32);
}

/**
 * The generator for one (seed, stream, index): independent of every other index, so that any VU,
 * shard or process can make session i alone. `index` may be any safe integer (its high bits count).
 */
export function rngFor(seedHash: number, stream: number, index: number): Rng {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO_32) >>> 0;
  const k0 = mix32(seedHash ^ mix32(lo + 0x9e3779b9));
  const k1 = mix32(k0 ^ mix32(hi + 0x7f4a7c15) ^ stream);
  const k2 = mix32(k1 + 0x632be59b);
  const k3 = mix32(k2 ^ 0xd1b54a32);
  return new Rng(k0, k1, k2, k3);
}

/**
 * A discrete distribution over 0..n-1 as cumulative uint32 thresholds: draw() is a binary search
 * over integers. Reads the table where tables.ts wrote it in a table buffer: built from weights
 * once (setup cost, not per session), and for the presets at build time, so a k6 VU only reads it.
 *
 * Layout in a buffer, from `at`: n, the guide's length g, the n thresholds, the g guide entries.
 */
export class Table {
  /** The buffer holding the thresholds (and the guide). Read directly by the loops that inline pick(). */
  declare readonly data: Float64Array;
  /** data[base + i] = upper threshold of outcome i; the last is 2^32 (doubles: 2^32 overflows uint32). */
  declare readonly base: number;
  declare readonly size: number;
  /**
   * Where the guide starts, or -1 without one: data[guide + g] = the first outcome whose threshold
   * exceeds g·2^24 (Chen and Asau's guide table), so a draw starts its search there and usually
   * stops within a step or two.
   */
  declare readonly guide: number;

  constructor(data: Float64Array, at: number) {
    const n = data[at] as number;
    this.data = data;
    this.size = n;
    this.base = at + 2;
    this.guide = (data[at + 1] as number) > 0 ? at + 2 + n : -1;
  }

  /** The outcome for one uint32 draw. */
  pick(u: number): number {
    const data = this.data;
    const base = this.base;
    let i = this.guide < 0 ? 0 : (data[this.guide + (u >>> 24)] as number);
    while (u >= (data[base + i] as number)) i++;
    return i;
  }

  /** Where u fell inside outcome i's interval (i = pick(u)), as a fraction in [0, 1) scaled by `width`, floored. */
  within(i: number, u: number, width: number): number {
    const lo = i === 0 ? 0 : (this.data[this.base + i - 1] as number);
    return Math.floor(((u - lo) * width) / ((this.data[this.base + i] as number) - lo));
  }

  draw(rng: Rng): number {
    return this.pick(rng.u32());
  }

  /** The probability of outcome i, as the table holds it (for tests and documentation). */
  probability(i: number): number {
    const prev = i === 0 ? 0 : (this.data[this.base + i - 1] as number);
    return ((this.data[this.base + i] as number) - prev) / TWO_32;
  }
}

/**
 * Zipf-like popularity over n ranks, P(rank k) ∝ 1 / (k + 1)^s (s = 0 is uniform), in a few KB
 * whatever n: the first 64 ranks are exact, then ranks are grouped into buckets about 6% wide,
 * uniform within (the law changes by at most ~6% across one). One table draw picks the bucket, a
 * second draw the rank inside it. A per-rank table would cost 8 bytes a product in every k6 VU.
 *
 * Layout in a table buffer, from `at`: n, the bucket count b, the b + 1 bucket starts (the last is
 * n), then the buckets' Table.
 */
export class ZipfSampler {
  declare private readonly table: Table;
  declare private readonly data: Float64Array;
  /** data[starts + b] = first rank of bucket b; data[starts + buckets] = n. */
  declare private readonly starts: number;

  declare readonly n: number;

  constructor(data: Float64Array, at: number) {
    const buckets = data[at + 1] as number;
    this.n = data[at] as number;
    this.data = data;
    this.starts = at + 2;
    this.table = new Table(data, at + 2 + buckets + 1);
  }

  draw(rng: Rng): number {
    // One draw picks the bucket, and where it fell inside the bucket's interval picks the rank.
    const u = rng.u32();
    const b = this.table.pick(u);
    const a = this.data[this.starts + b] as number;
    const width = (this.data[this.starts + b + 1] as number) - a;
    return width === 1 ? a : a + this.table.within(b, u, width);
  }

  /**
   * Fills `out` with distinct ranks, as draw() would one by one (a taken rank is drawn again up to
   * `maxDraws` times in all, then the next free rank is taken), marking each in `stamp` with `gen`.
   * The PRNG and the table search are inlined: this runs once per item of a large cart.
   */
  drawDistinct(rng: Rng, out: Uint32Array, stamp: Uint8Array, gen: number, maxDraws: number): void {
    const data = this.data;
    const cum = this.table.base;
    const guide = this.table.guide;
    const starts = this.starts;
    const count = this.n;
    let a = rng.a;
    let b = rng.b;
    let c = rng.c;
    let d = rng.d;
    for (let i = 0; i < out.length; i++) {
      let rank: number;
      for (let draws = 1; ; draws++) {
        // rng.u32()
        const t = (((a + b) | 0) + d) | 0;
        d = (d + 1) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        c = (c + t) | 0;
        const u = t >>> 0;
        // this.table.pick(u), then within()
        let k = guide < 0 ? 0 : (data[guide + (u >>> 24)] as number);
        while (u >= (data[cum + k] as number)) k++;
        const first = data[starts + k] as number;
        const width = (data[starts + k + 1] as number) - first;
        if (width === 1) rank = first;
        else {
          const lo = k === 0 ? 0 : (data[cum + k - 1] as number);
          rank = first + Math.floor(((u - lo) * width) / ((data[cum + k] as number) - lo));
        }
        if (stamp[rank] !== gen || draws >= maxDraws) break;
      }
      while (stamp[rank] === gen) rank = rank + 1 === count ? 0 : rank + 1;
      stamp[rank] = gen;
      out[i] = rank;
    }
    rng.a = a;
    rng.b = b;
    rng.c = c;
    rng.d = d;
  }

  /** The probability of one rank, as the sampler draws it. */
  probability(rank: number): number {
    let b = 0;
    while ((this.data[this.starts + b + 1] as number) <= rank) b++;
    return (
      this.table.probability(b) / ((this.data[this.starts + b + 1] as number) - (this.data[this.starts + b] as number))
    );
  }

  get buckets(): number {
    return this.table.size;
  }
}

/**
 * Quantiles of a continuous log-normal (in ms) at 256 evenly spaced probabilities, rounded to
 * integers: a draw picks a bucket with the high 8 bits and interpolates with the low 24, in exact
 * integer arithmetic. Layout in a table buffer: the 257 quantiles.
 */
export class QuantileTable {
  declare private readonly data: Float64Array;
  declare private readonly at: number;

  constructor(data: Float64Array, at: number) {
    this.data = data;
    this.at = at;
  }

  draw(rng: Rng): number {
    const u = rng.u32();
    const b = this.at + (u >>> 24);
    const lo = this.data[b] as number;
    const hi = this.data[b + 1] as number;
    return lo + Math.floor(((hi - lo) * (u & 0xffffff)) / 16777216);
  }
}

/** Think times between steps: a draw may depend on the steps so far and the next one. */
export interface ThinkTimes {
  draw(rng: Rng, steps: readonly { step: string }[], next: string): number;
}

/** (a * b) mod n for a, b < n ≤ 2^31, exact in doubles. */
export function mulMod(a: number, b: number, n: number): number {
  const hi = ((a * (b >>> 16)) % n) * 65536;
  return (hi + a * (b & 0xffff)) % n;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** A stride in [1, n) coprime with n, so that i → i·stride mod n visits every one of n places once per n steps. */
export function coprimeStride(n: number, h: number): number {
  if (n <= 2) return 1;
  let s = 1 + (h % (n - 1));
  while (gcd(s, n) !== 1) s = s + 1 === n ? 1 : s + 1;
  return s;
}
