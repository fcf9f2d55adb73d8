// A learned catalog, compiled into a PlanModel's table buffer: every product gets a unit price from
// the learned price quantiles and a category from the learned mix, fixed per product (the same SKU
// has the same price and category in every cart, VU and engine). Items in carts follow the learned
// shares when products are weighted by popularity, so products are dealt out most popular first,
// each to the price band (a percentile, or a run of equal percentiles: a price many items share) or
// category furthest below its share so far: the most popular products take the most frequent
// prices and categories, as in the recording. Within a band a product's price is placed by a hash
// of its rank. It depends on the profile and the catalog's size only, so it is compiled once (in
// k6, once per test) and a planner only reads one price and one category a product. Pure and
// k6-safe: multiplications, divisions and integer hashes only, which every engine rounds alike.
import { mix32 } from '../model/hash.ts';
import { Table } from './random.ts';

/**
 * Appends each rank's price in cents (when `prices`) and each rank's category index into
 * Object.keys(categories) (when `categories`), n values each; returns where each run starts.
 */
export function writeLearnedCatalog(
  out: number[],
  model: { popularity: number; items: number; itemsMin: number },
  prices: readonly number[] | undefined,
  categories: Readonly<Record<string, number>> | undefined,
): { prices?: number; categories?: number } {
  // The popularity and cart sizes as the planner draws them: read back from the tables written so far.
  const data = Float64Array.from(out);
  const masses = inCartShares(zipfMasses(data, model.popularity), new Table(data, model.items), model.itemsMin);
  const n = masses.length;
  const at: { prices?: number; categories?: number } = {};
  if (prices) {
    // Bands: each step between percentiles, a run of equal percentiles merged into one.
    const lo: number[] = [];
    const hi: number[] = [];
    const share: number[] = [];
    const steps = prices.length - 1;
    for (let i = 0; i < steps; ) {
      let j = i + 1;
      while (j < steps && prices[j + 1] === prices[i]) j++;
      lo.push(prices[i] as number);
      hi.push(prices[j] as number);
      share.push((j - i) / steps);
      i = j;
    }
    const band = dealOut(masses, share);
    at.prices = out.length;
    for (let r = 0; r < n; r++) {
      const b = band[r] as number;
      const within = mix32(r ^ 0x3c6ef372) / 4294967296;
      out.push(Math.round(((lo[b] as number) + ((hi[b] as number) - (lo[b] as number)) * within) * 100));
    }
  }
  if (categories) {
    const weights = Object.keys(categories).map((name) => categories[name] as number);
    const total = weights.reduce((a, b) => a + b, 0);
    const category = dealOut(
      masses,
      weights.map((w) => w / total),
    );
    at.categories = out.length;
    for (let r = 0; r < n; r++) out.push(category[r] as number);
  }
  return at;
}

/** Every rank's probability as ZipfSampler draws it from its layout at `at` (random.ts): one pass over the buckets. */
function zipfMasses(data: Float64Array, at: number): Float64Array {
  const n = data[at] as number;
  const buckets = data[at + 1] as number;
  const starts = at + 2;
  const table = new Table(data, starts + buckets + 1);
  const out = new Float64Array(n);
  for (let b = 0; b < buckets; b++) {
    const a = data[starts + b] as number;
    const width = (data[starts + b + 1] as number) - a;
    const p = table.probability(b) / width;
    for (let k = 0; k < width; k++) out[a + k] = p;
  }
  return out;
}

/**
 * Each product's share of the items in carts. A cart holds distinct products, so a popular one is
 * in a cart of n items with probability 1 - (1 - p)^n, less than n × p: its share of items is
 * smaller than its share of draws. Worked out over the cart sizes for the products drawn more than
 * once in a thousand; below that the difference is negligible and the share is proportional.
 */
function inCartShares(p: Float64Array, sizes: Table, minSize: number): Float64Array {
  const out = new Float64Array(p.length);
  let mean = 0;
  for (let i = 0; i < sizes.size; i++) mean += sizes.probability(i) * (minSize + i);
  let total = 0;
  for (let r = 0; r < p.length; r++) {
    const pr = p[r] as number;
    let w = pr * mean;
    if (pr > 0.001) {
      w = 0;
      for (let i = 0; i < sizes.size; i++) w += sizes.probability(i) * (1 - powInt(1 - pr, minSize + i));
    }
    out[r] = w;
    total += w;
  }
  for (let r = 0; r < p.length; r++) out[r] = (out[r] as number) / total;
  return out;
}

/**
 * x^n for a whole n by squaring: multiplications only, which every engine rounds alike (Math.pow
 * need not agree in the last bit between V8 and k6's, and the plans must).
 */
function powInt(x: number, n: number): number {
  let result = 1;
  let base = x;
  for (let e = n; e > 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return result;
}

/**
 * Deals ranks (most probable first) to shares: each rank to the share furthest below its target so
 * far. A max-heap over the shortfalls keeps it to n log(shares) steps.
 */
function dealOut(masses: Float64Array, shares: readonly number[]): Uint16Array {
  const k = shares.length;
  const gap = Float64Array.from(shares);
  const heap: number[] = [];
  // Ties (equal shortfalls: every percentile band at first) go by a hash of the share's index, not its order, so the most popular products do not all land on the cheapest bands.
  const tie = shares.map((_, i) => mix32(i ^ 0x5f356495));
  const above = (a: number, b: number): boolean =>
    (gap[a] as number) > (gap[b] as number) ||
    ((gap[a] as number) === (gap[b] as number) && (tie[a] as number) < (tie[b] as number));
  const down = (i: number): void => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let top = i;
      if (l < k && above(heap[l] as number, heap[top] as number)) top = l;
      if (r < k && above(heap[r] as number, heap[top] as number)) top = r;
      if (top === i) return;
      [heap[i], heap[top]] = [heap[top] as number, heap[i] as number];
      i = top;
    }
  };
  for (let i = 0; i < k; i++) heap.push(i);
  for (let i = (k >> 1) - 1; i >= 0; i--) down(i);
  const out = new Uint16Array(masses.length);
  for (let r = 0; r < masses.length; r++) {
    const b = heap[0] as number;
    out[r] = b;
    gap[b] = (gap[b] as number) - (masses[r] as number);
    down(0);
  }
  return out;
}
