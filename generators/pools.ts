// Seeded data pools, built in Node with faker ahead of time and written as one pools.json (every
// member an array, one small element per catalog product, so that k6 loads each member through
// its own SharedArray and deserialises one product per access). Node only: never bundled into k6.
import { readFile } from 'node:fs/promises';
import { faker as enFaker } from '@faker-js/faker/locale/en';
import type { Faker } from '@faker-js/faker';
import { LIMITS } from '../model/limits.ts';
import { DEFAULT_VALID_COUPON_PATTERN, DEFAULT_VALID_REFERRAL_PATTERN } from '../model/conventions.ts';
import { normalQuantile } from './tables.ts';
import { POOL_NAMES, type PoolName, type Pools, type Product } from './types.ts';
import { fnv1a } from '../model/hash.ts';
import { writeOutputText } from '../io/output.ts';
import { CartloadError } from '../model/errors.ts';

export type PoolSizes = Record<PoolName, number>;

export const DEFAULT_POOL_SIZES: Readonly<PoolSizes> = Object.freeze({
  products: 5000,
  stores: 40,
  cities: 300,
  validCoupons: 2000,
  invalidCoupons: 300,
  validReferrals: 500,
  invalidReferrals: 100,
  loyaltyCards: 10_000,
  profileIds: 20_000,
  campaignIds: 20,
});

/**
 * The pools as plain arrays (what Node builds and reads; k6 sees the same through SharedArrays).
 * Read-only: buildPools hands the same pools to every caller in a process.
 */
export type PoolArrays = { [K in PoolName]: Pools[K] extends ArrayLike<infer T> ? readonly Readonly<T>[] : never };

export class PoolsError extends CartloadError {
  constructor(message: string) {
    super(message);
    this.name = 'PoolsError';
  }
}

export interface BuildPoolsOptions {
  seed: number | string;
  sizes?: Partial<PoolSizes>;
}

/**
 * What buildPools keeps, least recently used first, by pool elements: about four sets of the
 * default sizes (38,260 elements, about 3 MB each), while small sets hardly count.
 */
const KEPT_ELEMENTS = 160_000;
const built = new Map<string, { pools: PoolArrays; elements: number }>();
let keptElements = 0;

/**
 * Builds every pool from a seed: the same seed and sizes give the same pools. A process builds
 * them once per seed and sizes and hands the same pools to every caller: building the default
 * pools costs 0.3-0.7 s of CPU, and one command may need them twice (`capacity --engine k6`
 * plans the sessions and writes pools.json). They are frozen, every array and product, so that
 * no caller can change what another one sees (freezing costs about 2 ms).
 */
export function buildPools(options: BuildPoolsOptions): PoolArrays {
  const sizes = checkedSizes(options.sizes);
  const key = `${seedNumber(options.seed)}:${POOL_NAMES.map((name) => sizes[name]).join(',')}`;
  let entry = built.get(key);
  if (entry === undefined) {
    const elements = POOL_NAMES.reduce((n, name) => n + sizes[name], 0);
    entry = { pools: freezePools(makePools(options.seed, sizes)), elements };
    keptElements += elements;
  }
  // Set again, last: the Map's order is the order of use, least recent first.
  built.delete(key);
  built.set(key, entry);
  for (const [oldest, { elements }] of built) {
    if (keptElements <= KEPT_ELEMENTS || oldest === key) break;
    built.delete(oldest);
    keptElements -= elements;
  }
  return entry.pools;
}

/**
 * buildPools without the process's memo: new pools each call, not frozen (for a caller that
 * changes the pools it gets, and to check that a seed builds the same pools every time).
 */
export function buildFreshPools(options: BuildPoolsOptions): PoolArrays {
  return makePools(options.seed, checkedSizes(options.sizes));
}

function checkedSizes(given: Partial<PoolSizes> | undefined): PoolSizes {
  const sizes = { ...DEFAULT_POOL_SIZES, ...given };
  for (const name of POOL_NAMES) {
    const n = sizes[name];
    if (!Number.isInteger(n) || n < 0) throw new PoolsError(`sizes.${name}: must be an integer ≥ 0, got ${n}`);
  }
  if (sizes.products < 1) throw new PoolsError('sizes.products: must be ≥ 1');
  if (sizes.stores < 1) throw new PoolsError('sizes.stores: must be ≥ 1');
  return sizes;
}

function freezePools(pools: PoolArrays): PoolArrays {
  for (const p of pools.products) {
    if (p.attributes) Object.freeze(p.attributes);
    Object.freeze(p);
  }
  for (const name of POOL_NAMES) Object.freeze(pools[name]);
  return Object.freeze(pools);
}

/** Uses a fresh Faker with the en locale only (importing faker's index would load every locale). */
function makePools(seed: number | string, sizes: PoolSizes): PoolArrays {
  // The en instance's constructor is faker's Faker class: a fresh, independently seeded instance without loading other locales.
  const FakerClass = enFaker.constructor as typeof Faker;
  const f = new FakerClass({ locale: enFaker.rawDefinitions });
  f.seed(seedNumber(seed));
  const unique = uniqueFactory();

  const products: Product[] = [];
  const skus = unique();
  for (let i = 0; i < sizes.products; i++) {
    const z = normalQuantile(f.number.float({ min: 0.0005, max: 0.9995 }));
    products.push({
      sku: skus(() => `SKU${f.string.numeric(7)}`),
      name: f.commerce.productName(),
      category: f.commerce.department(),
      // Catalog prices are long-tailed: log-normal around 25 with two decimals.
      price: round2(Math.min(2000, Math.max(0.5, Math.exp(Math.log(25) + 0.9 * z)))),
      weight: f.number.int({ min: 20, max: 8000 }),
      height: f.number.int({ min: 10, max: 600 }),
      width: f.number.int({ min: 10, max: 600 }),
      length: f.number.int({ min: 10, max: 900 }),
      attributes: { color: f.color.human(), material: f.commerce.productMaterial() },
    });
  }
  const cityNames = unique();
  const cities = times(sizes.cities, () => cityNames(() => f.location.city()));
  const storeIds = unique();
  const stores = times(sizes.stores, (i) =>
    storeIds(() => `store-${slug(cities[i % Math.max(1, cities.length)] ?? f.location.city())}-${f.string.numeric(3)}`),
  );
  const validCouponCodes = unique();
  const validCoupons = times(sizes.validCoupons, () =>
    validCouponCodes(
      () => `CL${f.string.alphanumeric({ length: f.number.int({ min: 8, max: 12 }), casing: 'upper' })}`,
    ),
  );
  const invalidCouponCodes = unique();
  const couponPattern = new RegExp(DEFAULT_VALID_COUPON_PATTERN);
  const invalidCoupons = times(sizes.invalidCoupons, (i) =>
    invalidCouponCodes(() => {
      // What shoppers mistype or remember from last year: a code too short to exist, or an old campaign word.
      const code =
        i % 2 === 0
          ? `CL${f.string.alphanumeric({ length: 4, casing: 'upper' })}`
          : `${f.word.adjective({ length: { min: 4, max: 8 } }).toUpperCase()}${f.number.int({ min: 5, max: 50 })}`;
      return couponPattern.test(code) ? `X${code}` : code;
    }),
  );
  const validReferralCodes = unique();
  const validReferrals = times(sizes.validReferrals, () =>
    validReferralCodes(() => `RF${f.string.alphanumeric({ length: 8, casing: 'upper' })}`),
  );
  const invalidReferralCodes = unique();
  const referralPattern = new RegExp(DEFAULT_VALID_REFERRAL_PATTERN);
  const invalidReferrals = times(sizes.invalidReferrals, () =>
    invalidReferralCodes(() => {
      const code = `REF-${f.string.alphanumeric({ length: 6, casing: 'upper' })}`;
      return referralPattern.test(code) ? `X${code}` : code;
    }),
  );
  const cardIds = unique();
  const loyaltyCards = times(sizes.loyaltyCards, () => cardIds(() => `LC${f.string.numeric(10)}`));
  const customerIds = unique();
  const profileIds = times(sizes.profileIds, () => customerIds(() => `customer-${f.string.numeric(8)}`));
  const campaignIds = times(sizes.campaignIds, (i) => 1001 + i);
  return {
    products,
    stores,
    cities,
    validCoupons,
    invalidCoupons,
    validReferrals,
    invalidReferrals,
    loyaltyCards,
    profileIds,
    campaignIds,
  };
}

/**
 * Members of a pools file that are derived from the pools, not pools: `planModels`, the presets
 * compiled against these pools (generators/plan-model.ts), which k6 VUs read instead of building.
 * Readers of pools skip them.
 */
export const DERIVED_MEMBERS = ['planModels'] as const;

export type DerivedMembers = Partial<Record<(typeof DERIVED_MEMBERS)[number], unknown[]>>;

/** Pools (and derived members) as one JSON object, one element per line (diffable, and quick to parse). */
export function poolsText(pools: Pools, derived: DerivedMembers = {}): string {
  const parts: string[] = [];
  const members: [string, ArrayLike<unknown>][] = [
    ...POOL_NAMES.map((name) => [name, pools[name]] as [string, ArrayLike<unknown>]),
  ];
  for (const name of DERIVED_MEMBERS) if (derived[name]) members.push([name, derived[name]]);
  for (const [name, pool] of members) {
    const lines: string[] = new Array<string>(pool.length);
    for (let i = 0; i < pool.length; i++) lines[i] = JSON.stringify(pool[i]);
    parts.push(
      pool.length === 0 ? `${JSON.stringify(name)}: []` : `${JSON.stringify(name)}: [\n${lines.join(',\n')}\n]`,
    );
  }
  return `{\n${parts.join(',\n')}\n}\n`;
}

/** Writes poolsText: a regular file atomically (a temp file renamed), a device, FIFO or link in place (io/output.ts). */
export async function writePools(
  pools: Pools,
  file: string,
  label = 'pools file',
  derived: DerivedMembers = {},
): Promise<void> {
  await writeOutputText(file, poolsText(pools, derived), label);
}

/** Reads and validates a pools file; errors name the file and the member (`pools.json: products[3].price: ...`). */
export async function readPools(file: string): Promise<PoolArrays> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new PoolsError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PoolsError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  return validatePools(value, file);
}

/** Builds the default pools for a seed and writes them: what `cartload build` and `cartload pools` call. */
export async function writeDefaultPools(
  file: string,
  seed: number | string,
  overrides?: Partial<PoolArrays>,
): Promise<PoolArrays> {
  const pools = { ...buildPools({ seed }), ...overrides };
  await writePools(pools, file);
  return pools;
}

/** Checks a parsed pools object member by member; `source` names it in errors. */
export function validatePools(value: unknown, source: string): PoolArrays {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new PoolsError(`${source}: must be a JSON object with one array per pool`);
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(v)) {
    if ((DERIVED_MEMBERS as readonly string[]).includes(key)) continue;
    if (!(POOL_NAMES as readonly string[]).includes(key))
      throw new PoolsError(`${source}: unknown pool "${key}" (pools: ${POOL_NAMES.join(', ')})`);
  }
  for (const name of POOL_NAMES) {
    if (!Array.isArray(v[name])) throw new PoolsError(`${source}: ${name}: must be an array`);
  }
  const fail = (where: string, msg: string): never => {
    throw new PoolsError(`${source}: ${where}: ${msg}`);
  };
  const strings = (name: PoolName, max: number): void => {
    (v[name] as unknown[]).forEach((x, i) => {
      if (typeof x !== 'string' || x.length === 0) fail(`${name}[${i}]`, 'must be a non-empty string');
      else if (x.length > max) fail(`${name}[${i}]`, `must be at most ${max} characters`);
    });
  };
  (v.products as unknown[]).forEach((p, i) => checkProduct(p, (msg) => fail(`products[${i}]${msg}`, '')));
  if ((v.products as unknown[]).length === 0) fail('products', 'must not be empty');
  if ((v.stores as unknown[]).length === 0) fail('stores', 'must not be empty');
  strings('stores', LIMITS.maxStoreIdLength);
  strings('cities', 1000);
  strings('validCoupons', LIMITS.maxCouponCodeLength);
  strings('invalidCoupons', LIMITS.maxCouponCodeLength);
  strings('validReferrals', LIMITS.maxReferralCodeLength);
  strings('invalidReferrals', LIMITS.maxReferralCodeLength);
  strings('loyaltyCards', 1000);
  strings('profileIds', 1000);
  (v.campaignIds as unknown[]).forEach((x, i) => {
    if (!Number.isSafeInteger(x) || (x as number) < 1) fail(`campaignIds[${i}]`, 'must be an integer ≥ 1');
  });
  const pools: Record<string, unknown> = {};
  for (const name of POOL_NAMES) pools[name] = v[name];
  return pools as unknown as PoolArrays;
}

const NUMERIC_FIELDS = ['price', 'weight', 'height', 'width', 'length'] as const;

/** Calls fail with a suffix naming the field (`.price: must be ...`) when `p` is not a Product. */
export function checkProduct(p: unknown, fail: (msg: string) => void): void {
  if (p === null || typeof p !== 'object' || Array.isArray(p)) return fail(': must be an object');
  const o = p as Record<string, unknown>;
  if (typeof o.sku !== 'string' || o.sku.length === 0) return fail('.sku: must be a non-empty string');
  for (const k of ['name', 'category'] as const) if (typeof o[k] !== 'string') return fail(`.${k}: must be a string`);
  for (const k of NUMERIC_FIELDS) {
    if (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0)
      return fail(`.${k}: must be a number ≥ 0`);
  }
  if (Math.abs(Math.round((o.price as number) * 100) - (o.price as number) * 100) > 1e-6)
    return fail('.price: must have at most two decimals');
  if (
    o.attributes !== undefined &&
    (o.attributes === null || typeof o.attributes !== 'object' || Array.isArray(o.attributes))
  )
    return fail('.attributes: must be an object');
}

/** A 32-bit faker seed from a number or a string seed. */
function seedNumber(seed: number | string): number {
  return fnv1a(String(seed));
}

function round2(v: number): number {
  return Math.round(v * 100) / 100;
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

function times<T>(n: number, make: (i: number) => T): T[] {
  const out: T[] = new Array<T>(n);
  for (let i = 0; i < n; i++) out[i] = make(i);
  return out;
}

/** A generator wrapper that retries until it yields a value it has not yielded before (bounded). */
function uniqueFactory(): () => (make: () => string) => string {
  return () => {
    const seen = new Set<string>();
    return (make) => {
      for (let attempt = 0; attempt < 1000; attempt++) {
        const v = make();
        if (!seen.has(v)) {
          seen.add(v);
          return v;
        }
      }
      throw new PoolsError('pools: could not draw enough distinct values; ask for a smaller pool');
    };
  };
}
