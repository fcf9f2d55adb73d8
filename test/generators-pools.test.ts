import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DEFAULT_VALID_COUPON_PATTERN, DEFAULT_VALID_REFERRAL_PATTERN } from '../model/conventions.ts';
import {
  DEFAULT_POOL_SIZES,
  PoolsError,
  buildFreshPools,
  buildPools,
  readPools,
  writeDefaultPools,
  writePools,
} from '../generators/pools.ts';
import { POOL_NAMES } from '../generators/types.ts';
import { parseCsvPoolSpec, readCsvPool, readCsvPools } from '../generators/user-pools.ts';
import { resolvePools } from '../generators/run.ts';

const fixture = (name: string): string => join(import.meta.dirname, 'fixtures', 'generators', name);
let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-pools-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every pool a few elements long: for the tests that need pools of some size, not the defaults. */
const SMALL = {
  products: 5,
  stores: 3,
  cities: 3,
  validCoupons: 5,
  invalidCoupons: 3,
  validReferrals: 3,
  invalidReferrals: 3,
  loyaltyCards: 3,
  profileIds: 5,
  campaignIds: 3,
};

// Pools of the default sizes, seed 1: what resolvePools and writeDefaultPools below also build, so
// this file builds them once (buildPools keeps them for the process).
const pools1 = (): ReturnType<typeof buildPools> => buildPools({ seed: 1 });

test('buildPools is seeded: same seed same pools, other seed other pools, sizes as asked', () => {
  // Fresh builds: buildPools would hand back the pools it kept.
  assert.equal(
    JSON.stringify(buildFreshPools({ seed: 3, sizes: SMALL })),
    JSON.stringify(buildFreshPools({ seed: 3, sizes: SMALL })),
  );
  assert.notEqual(
    JSON.stringify(buildFreshPools({ seed: 4, sizes: SMALL })),
    JSON.stringify(buildFreshPools({ seed: 3, sizes: SMALL })),
  );
  const a = pools1();
  for (const name of POOL_NAMES) assert.equal(a[name].length, DEFAULT_POOL_SIZES[name], name);
  const small = buildPools({ seed: 3, sizes: { products: 10, loyaltyCards: 0 } });
  assert.equal(small.products.length, 10);
  assert.equal(small.loyaltyCards.length, 0);
  assert.throws(() => buildPools({ seed: 1, sizes: { products: 0 } }), /sizes\.products: must be ≥ 1/);
  assert.throws(() => buildPools({ seed: 1, sizes: { stores: -1 } }), /sizes\.stores: must be an integer ≥ 0/);
  assert.throws(() => buildFreshPools({ seed: 1, sizes: { stores: -1 } }), /sizes\.stores: must be an integer ≥ 0/);
});

test('buildPools builds once per seed and sizes in a process, and no caller can change what another sees', () => {
  const defaults = pools1();
  const kept = buildPools({ seed: 3, sizes: SMALL });
  assert.equal(buildPools({ seed: 3, sizes: { ...SMALL } }), kept, 'the same pools object for the same seed and sizes');
  assert.equal(buildPools({ seed: '3', sizes: SMALL }), kept, 'a string seed names the same pools as its number');
  assert.deepEqual(buildFreshPools({ seed: 3, sizes: SMALL }), kept, 'what a fresh build gives');
  assert.notEqual(buildPools({ seed: 4, sizes: SMALL }), kept, 'another seed is built anew');
  const bigger = buildPools({ seed: 3, sizes: { ...SMALL, products: 6 } });
  assert.notEqual(bigger, kept, 'other sizes are built anew');
  assert.equal(bigger.products.length, 6);
  for (let seed = 10; seed < 20; seed++) buildPools({ seed, sizes: SMALL });
  assert.equal(pools1(), defaults, 'small pools built since do not push out the default ones');

  // Every array, product and attributes object is frozen: a write throws (modules are strict) and changes nothing.
  const product = kept.products[0]!;
  const price = product.price;
  const mutations: [string, () => void][] = [
    ['a pool', () => (kept.products as unknown[]).push({})],
    ['a pool element', () => ((kept.profileIds as string[])[0] = 'someone-else')],
    ['a product', () => ((product as { price: number }).price = 0)],
    ['a product attribute', () => ((product.attributes as Record<string, string>).color = 'none')],
    ['the pools object', () => ((kept as { stores: readonly string[] }).stores = [])],
  ];
  for (const [what, mutate] of mutations) assert.throws(mutate, TypeError, `${what} cannot be changed`);
  assert.deepEqual(buildPools({ seed: 3, sizes: SMALL }), buildFreshPools({ seed: 3, sizes: SMALL }), 'unchanged');
  assert.equal(product.price, price);
  const fresh = buildFreshPools({ seed: 3, sizes: SMALL });
  (fresh.profileIds as string[])[0] = 'mine';
  assert.notEqual(buildPools({ seed: 3, sizes: SMALL }).profileIds[0], 'mine', 'a fresh build is the caller’s own');
});

test('pool contents: unique SKUs with two-decimal prices, valid codes match the target conventions, invalid ones never do', () => {
  const p = pools1();
  assert.equal(new Set(p.products.map((x) => x.sku)).size, p.products.length);
  for (const x of p.products) {
    assert.ok(
      x.price >= 0.5 && x.price <= 2000 && Math.abs(Math.round(x.price * 100) - x.price * 100) < 1e-6,
      `price ${x.price}`,
    );
    assert.ok(x.name && x.category && x.weight > 0 && x.height > 0 && x.width > 0 && x.length > 0);
  }
  const coupon = new RegExp(DEFAULT_VALID_COUPON_PATTERN);
  const referral = new RegExp(DEFAULT_VALID_REFERRAL_PATTERN);
  assert.ok(p.validCoupons.every((c) => coupon.test(c)));
  assert.ok(p.invalidCoupons.every((c) => !coupon.test(c) && c.length <= 100));
  assert.ok(p.validReferrals.every((c) => referral.test(c)));
  assert.ok(p.invalidReferrals.every((c) => !referral.test(c)));
  assert.equal(new Set(p.profileIds).size, p.profileIds.length);
  assert.equal(new Set(p.loyaltyCards).size, p.loyaltyCards.length);
  const prices = p.products.map((x) => x.price).sort((a, b) => a - b);
  const median = prices[prices.length >> 1]!;
  assert.ok(median > 20 && median < 30, `catalog median price ${median}`);
});

test('writePools / readPools round-trip; writeDefaultPools writes what build and pools use', async () => {
  const pools = buildPools({ seed: 6, sizes: { ...SMALL, products: 50, profileIds: 20 } });
  const file = join(dir, 'nested', 'pools.json');
  await writePools(pools, file);
  assert.deepEqual(await readPools(file), pools);
  const text = await readFile(file, 'utf8');
  assert.ok(text.split('\n').length > 50, 'one element a line');
  const def = join(dir, 'default.json');
  const written = await writeDefaultPools(def, 1);
  assert.deepEqual(await readPools(def), written);
});

test('readPools names the file and the member for bad input', async () => {
  const write = async (name: string, value: unknown): Promise<string> => {
    const f = join(dir, name);
    await writeFile(f, typeof value === 'string' ? value : JSON.stringify(value));
    return f;
  };
  const good = buildPools({ seed: 1, sizes: SMALL });
  const cases: [string, unknown, string][] = [
    ['a.json', '[1,2]', ': must be a JSON object with one array per pool'],
    ['b.json', '{"products": [', ': not valid JSON'],
    ['c.json', { ...good, extra: [] }, ': unknown pool "extra"'],
    ['d.json', { ...good, stores: undefined }, ': stores: must be an array'],
    [
      'e.json',
      { ...good, products: [{ ...good.products[0], price: 'x' }] },
      ': products[0].price: must be a number ≥ 0',
    ],
    [
      'f.json',
      { ...good, products: [{ ...good.products[0], price: 1.234 }] },
      ': products[0].price: must have at most two decimals',
    ],
    ['g.json', { ...good, validCoupons: ['C'.repeat(101)] }, ': validCoupons[0]: must be at most 100 characters'],
    ['h.json', { ...good, campaignIds: [0] }, ': campaignIds[0]: must be an integer ≥ 1'],
    ['i.json', { ...good, products: [] }, ': products: must not be empty'],
  ];
  for (const [name, value, message] of cases) {
    const f = await write(name, value);
    await assert.rejects(
      readPools(f),
      (err: Error) => err instanceof PoolsError && err.message.startsWith(`${f}${message}`),
      `${name}: ${message}`,
    );
  }
  await assert.rejects(readPools(join(dir, 'none.json')), /none\.json: cannot read \(ENOENT\)/);
});

test('user CSV pools: Talon.One export columns, single-column files, products with attributes', async () => {
  const coupons = await readCsvPool('validCoupons', fixture('coupons-talon-export.csv'));
  assert.deepEqual(coupons, ['CLSPRING2026', 'CLSUMMER2026'], 'the value column, duplicates dropped');
  assert.deepEqual(await readCsvPool('profileIds', fixture('profiles.csv')), [
    'customer-1',
    'customer-2',
    'customer-3',
  ]);
  assert.deepEqual(await readCsvPool('products', fixture('products.csv')), [
    { sku: 'B-1', name: 'Tee', category: '', price: 19.99, weight: 0, height: 0, width: 0, length: 0 },
    { sku: 'B-2', name: 'Cap', category: '', price: 7, weight: 0, height: 0, width: 0, length: 0 },
  ]);
  const pools = await resolvePools({
    seed: 1,
    csv: [`validCoupons=${fixture('coupons-talon-export.csv')}`, `products=${fixture('products.csv')}`],
  });
  assert.deepEqual(pools.validCoupons, ['CLSPRING2026', 'CLSUMMER2026']);
  assert.equal(pools.products.length, 2);
  assert.equal(pools.stores.length, DEFAULT_POOL_SIZES.stores, 'other pools stay generated');
});

test('user CSV pools: bad rows fail with the file and line', async () => {
  const cases: [() => Promise<unknown>, string][] = [
    [
      () => readCsvPool('products', fixture('products-bad-price.csv')),
      `${fixture('products-bad-price.csv')}:4: products: price "abc" is not a number ≥ 0`,
    ],
    [
      () => readCsvPool('validCoupons', fixture('coupons-no-code-column.csv')),
      `${fixture('coupons-no-code-column.csv')}:1: validCoupons: no column named value or code`,
    ],
    [
      () => readCsvPool('campaignIds', fixture('campaigns-bad.csv')),
      `${fixture('campaigns-bad.csv')}:3: campaignIds: "x7" is not an integer ≥ 1`,
    ],
    [() => readCsvPool('validCoupons', fixture('coupons-bad-quote.csv')), `${fixture('coupons-bad-quote.csv')}:`],
    [() => readCsvPool('stores', fixture('missing.csv')), `${fixture('missing.csv')}: cannot read (ENOENT)`],
    [
      () =>
        readCsvPools([
          parseCsvPoolSpec(`stores=${fixture('profiles.csv')}`),
          parseCsvPoolSpec(`stores=${fixture('profiles.csv')}`),
        ]),
      '--csv: pool stores named twice',
    ],
  ];
  for (const [p, prefix] of cases)
    await assert.rejects(p(), (err: Error) => err instanceof PoolsError && err.message.startsWith(prefix), prefix);
  const products = await readCsvPool('products', fixture('products-bad-price.csv')).catch((e: Error) => e.message);
  assert.match(String(products), /:4:/, 'rows before the bad one were fine');
  assert.throws(() => parseCsvPoolSpec('coupons=x.csv'), /expected <pool>=<file>, pool one of products, stores/);
  assert.throws(() => parseCsvPoolSpec('stores'), /expected <pool>=<file>/);
});
