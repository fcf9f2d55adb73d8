import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProfile } from '../generators/profile-file.ts';
import { PRESETS, PRESET_NAMES, ProfileError, resolveProfile } from '../generators/profiles.ts';

const DEFAULT_PROFILE = PRESETS['default']!;

test('the four presets exist, resolve, and differ where their names say', () => {
  for (const name of ['default', 'big-carts', 'coupon-heavy', 'returns-heavy'])
    assert.ok(PRESET_NAMES.includes(name), name);
  assert.deepEqual({ ...resolveProfile('default'), name: 'default' }, { ...DEFAULT_PROFILE });
  assert.ok(PRESETS['big-carts']!.cart.items.min >= 100 && PRESETS['big-carts']!.cart.items.max === 1000);
  assert.ok(PRESETS['coupon-heavy']!.coupons.sessionShare > DEFAULT_PROFILE.coupons.sessionShare);
  assert.ok(PRESETS['returns-heavy']!.lifecycles.return > DEFAULT_PROFILE.lifecycles.return);
  assert.ok(Object.isFrozen(PRESETS['default']!.cart), 'presets cannot be changed by a caller');
});

test('every preset passes validation (presets skip it at run time)', () => {
  for (const name of PRESET_NAMES) {
    const preset = PRESETS[name]!;
    assert.deepEqual(resolveProfile(JSON.parse(JSON.stringify(preset)) as never), preset, name);
  }
});

test('a profile object overrides its preset field by field', () => {
  const p = resolveProfile({
    extends: 'big-carts',
    name: 'mine',
    coupons: { sessionShare: 0.5 },
    lifecycles: { dry: 0 },
  });
  assert.equal(p.name, 'mine');
  assert.equal(p.coupons.sessionShare, 0.5);
  assert.equal(p.coupons.max, DEFAULT_PROFILE.coupons.max, 'siblings keep the preset values');
  assert.equal(p.lifecycles.dry, 0);
  assert.equal(p.lifecycles.checkout, DEFAULT_PROFILE.lifecycles.checkout);
  assert.equal(p.cart.items.min, PRESETS['big-carts']!.cart.items.min);
  assert.equal(resolveProfile({}).name, 'custom (default)');
});

test('validation errors name the field', () => {
  const cases: [unknown, RegExp][] = [
    [{ lifecycles: { checkout: -1 } }, /^profile\.lifecycles\.checkout: must be ≥ 0$/],
    [
      {
        lifecycles: {
          browse: 0,
          checkout: 0,
          checkout_cancel: 0,
          cancel_before_checkout: 0,
          return: 0,
          reopen: 0,
          dry: 0,
        },
      },
      /^profile\.lifecycles: at least one weight/,
    ],
    [{ cart: { items: { max: 1001 } } }, /^profile\.cart\.items\.max: must be ≤ 1000$/],
    [{ cart: { items: { min: 0 } } }, /^profile\.cart\.items\.min: must be ≥ 1$/],
    [{ cart: { items: { min: 50, max: 10 } } }, /^profile\.cart\.items\.min: must be ≤ cart\.items\.max/],
    [{ cart: { quantity: { mean: 0.5 } } }, /^profile\.cart\.quantity\.mean: must be ≥ 1$/],
    [{ coupons: { invalidShare: 1.5 } }, /^profile\.coupons\.invalidShare: must be ≤ 1$/],
    [{ identifiers: { max: 6 } }, /^profile\.identifiers\.max: must be ≤ 5$/],
    [{ updates: { min: 1.5 } }, /^profile\.updates\.min: must be an integer$/],
    [{ shipping: { prices: [1.999] } }, /^profile\.shipping\.prices\.0: must have at most two decimals$/],
    [{ responseContent: ['customerSession', 'nope'] }, /^profile\.responseContent\.1: "nope" is not one of/],
    [{ cart: { colour: 'red' } }, /^profile\.cart\.colour: unknown field/],
    [{ coupons: { max: '3' } }, /^profile\.coupons\.max: must be a number$/],
    [{ coupons: 3 }, /^profile\.coupons: must be an object$/],
    [{ extends: 'huge' }, /^profile\.extends: unknown preset "huge"/],
    [{ thinkTimeMs: { median: 0 } }, /^profile\.thinkTimeMs\.median: must be/],
  ];
  for (const [input, message] of cases) {
    assert.throws(
      () => resolveProfile(input as never),
      (err: Error) => err instanceof ProfileError && message.test(err.message),
      JSON.stringify(input),
    );
  }
  assert.throws(() => resolveProfile('nope'), /unknown preset "nope" \(presets: default, big-carts/);
});

test('loadProfile reads presets and files, naming the file in errors', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'cartload-profile-'));
  try {
    assert.equal((await loadProfile('coupon-heavy')).name, 'coupon-heavy');
    const good = join(dir, 'p.json');
    await writeFile(good, JSON.stringify({ extends: 'returns-heavy', getShare: 0 }));
    const p = await loadProfile(good);
    assert.equal(p.getShare, 0);
    assert.equal(p.lifecycles.return, PRESETS['returns-heavy']!.lifecycles.return);
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ lifecycles: { checkout: -2 } }));
    await assert.rejects(loadProfile(bad), { message: `${bad}: profile.lifecycles.checkout: must be ≥ 0` });
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ "lifecycles": ');
    await assert.rejects(loadProfile(broken), (err: Error) => err.message.startsWith(`${broken}: not valid JSON`));
    await assert.rejects(
      loadProfile(join(dir, 'missing.json')),
      /neither a preset \(default, big-carts, coupon-heavy, returns-heavy\) nor a file/,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
