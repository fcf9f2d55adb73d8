import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CartItem, IntegrationRequest, ReturnIntegrationRequest } from '../model/api.ts';
import { LIMITS, TRANSITIONS, type SessionState } from '../model/limits.ts';
import { LIFECYCLE_KINDS, sessionPath, type GeneratedKind, type SessionPlan } from '../model/plan.ts';
import { createPlanner } from '../generators/planner.ts';
import { compilePlanModel } from '../generators/plan-compile.ts';
import { poolSizes, type PlanModel } from '../generators/plan-model.ts';
import { itemTextsOf } from '../generators/plan-text.ts';
import { buildPools } from '../generators/pools.ts';
import { PRESETS, PRESET_NAMES, resolveProfile } from '../generators/profiles.ts';
import { readCsvPool } from '../generators/user-pools.ts';
import { createTargetCore } from '../emulator/core/index.ts';

const pools = buildPools({ seed: 1, sizes: { products: 1500, profileIds: 2000 } });

/** A profile that pushes every limit: near-1000-item carts with quantities that alone would pass 10,000. */
const EXTREME = resolveProfile({
  extends: 'big-carts',
  name: 'extreme',
  lifecycles: { browse: 1, checkout: 1, checkout_cancel: 1, cancel_before_checkout: 1, return: 1, reopen: 3, dry: 1 },
  cart: { items: { median: 990, sigma: 0.05, min: 950, max: 1000 }, quantity: { mean: 40, max: 10_000 } },
  updates: { min: 2, max: 6 },
  changes: { removeShare: 1, quantityShare: 1 },
  coupons: { sessionShare: 1, max: 20 },
  identifiers: { sessionShare: 1, max: 5 },
  returns: { requests: { min: 3, max: 20 }, itemShare: 1 },
});

/**
 * A learned (version-2) profile written by hand, with every learned part: count weights, think
 * quantiles per pair of steps, a price and category mix (names that need escaping), repeat visits.
 */
const LEARNED = resolveProfile({
  version: 2,
  name: 'learned by hand',
  lifecycles: { browse: 2, checkout: 4, checkout_cancel: 1, cancel_before_checkout: 1, return: 2, reopen: 1, dry: 2 },
  cart: {
    items: { min: 1, max: 6, median: 2, sigma: 0.5, weights: [5, 4, 3, 2, 1, 1] },
    quantity: { mean: 1.5, max: 4, weights: [6, 3, 1, 1] },
    prices: [0.99, 1.5, 1.5, 1.5, 4, 9.99, 25, 120],
    categories: { Books: 5, 'Toys "R" Ümlaut': 2, 'Home\\Garden': 1 },
  },
  updates: { min: 0, max: 3, weights: [1, 3, 2, 1] },
  coupons: { sessionShare: 0.5, max: 3, weights: [5, 2, 1] },
  thinkTimeMs: {
    quantiles: [300, 500, 1000, 2000, 5000],
    transitions: {
      'open>update': [250, 260, 400],
      'update>close': [1000, 2000, 9000],
      'close>return': [30_000, 60_000],
    },
  },
  profiles: { guestShare: 0.2, sessionsPerProfile: { weights: [5, 2, 1], window: 200 } },
  returns: { requests: { min: 1, max: 2, weights: [3, 1] } },
  dry: { checks: { min: 1, max: 3, weights: [1, 1, 2] } },
});

/** The model fields only a learned profile has. */
const LEARNED_FIELDS = [
  'couponCounts',
  'updateCounts',
  'checkCounts',
  'returnCounts',
  'thinkBy',
  'prices',
  'categories',
  'categoryNames',
  'repeat',
];

function checkLimits(plan: SessionPlan): void {
  const where = (i: number): string => `${plan.sessionId} step ${i} (${plan.kind})`;
  assert.ok(plan.sessionId.length <= LIMITS.maxSessionIdLength);
  let closed: CartItem[] | undefined;
  let prevAt = 0;
  const returned = new Map<number, number>();
  plan.steps.forEach((s, i) => {
    assert.ok(Number.isInteger(s.at) && s.at! >= prevAt, `${where(i)}: at ${s.at} after ${prevAt}`);
    if (i === 0) assert.equal(s.at, 0);
    prevAt = s.at!;
    const base = sessionPath(plan.sessionId);
    assert.equal(
      s.path,
      s.step === 'return' ? `${base}/returns` : s.step === 'reopen' ? `${base}/reopen` : base,
      where(i),
    );
    if (s.method === 'PUT' && s.step !== 'reopen') {
      const cs = (s.body as IntegrationRequest).customerSession;
      const items = cs.cartItems!;
      assert.ok(items.length >= 1 && items.length <= LIMITS.maxCartItems, `${where(i)}: ${items.length} items`);
      let sum = 0;
      // Per item (up to 1,000 a cart): the messages are built only for an item that fails.
      for (const it of items) {
        if (!(Number.isInteger(it.quantity) && it.quantity >= 1)) assert.fail(`${where(i)}: quantity ${it.quantity}`);
        assert.ok(it.sku.length > 0);
        if (!(Math.abs(Math.round(it.price! * 100) - it.price! * 100) < 1e-6))
          assert.fail(`${where(i)}: price ${it.price}`);
        sum += it.quantity;
      }
      assert.ok(sum <= LIMITS.maxTotalQuantity, `${where(i)}: sum of quantities ${sum}`);
      assert.equal(new Set(items.map((it) => it.sku)).size, items.length, `${where(i)}: SKUs repeat within a cart`);
      for (const c of cs.couponCodes ?? []) assert.ok(c.length >= 1 && c.length <= LIMITS.maxCouponCodeLength);
      if (cs.referralCode !== undefined) assert.ok(cs.referralCode.length <= LIMITS.maxReferralCodeLength);
      assert.ok((cs.loyaltyCards ?? []).length <= LIMITS.maxLoyaltyCards);
      assert.ok((cs.identifiers ?? []).length <= LIMITS.maxIdentifiers);
      assert.ok(
        cs.storeIntegrationId!.length >= LIMITS.minStoreIdLength &&
          cs.storeIntegrationId!.length <= LIMITS.maxStoreIdLength,
      );
      assert.equal(cs.profileId, plan.profileId);
      if (s.step === 'dry') assert.deepEqual(s.query, { dry: 'true' });
      else assert.equal(s.query, undefined);
      if (s.step === 'close') closed = items;
    }
    if (s.step === 'return') {
      assert.ok(closed, `${where(i)}: return before close`);
      for (const r of (s.body as ReturnIntegrationRequest).return.returnedCartItems) {
        const item = closed[r.position];
        assert.ok(item, `${where(i)}: position ${r.position} outside the closed cart`);
        const before = returned.get(r.position) ?? 0;
        assert.ok(
          r.quantity! >= 1 && before + r.quantity! <= item.quantity,
          `${where(i)}: returns ${r.quantity} of ${item.quantity} (${before} before)`,
        );
        returned.set(r.position, before + r.quantity!);
      }
    }
  });
  if (closed && returned.size > 0) {
    const total = closed.reduce((a, it) => a + it.quantity, 0);
    const back = [...returned.values()].reduce((a, b) => a + b, 0);
    assert.ok(back < total, `${plan.sessionId}: everything returned, the session would not be partially returned`);
  }
}

/** Walks the plan through the state machine as the API defines it (no target involved). */
function checkStates(plan: SessionPlan): void {
  let state: SessionState | undefined;
  for (const s of plan.steps) {
    if (s.step === 'dry') {
      assert.equal(s.expect, undefined, 'dry runs persist nothing');
      continue;
    }
    if (s.step === 'get') {
      assert.equal(s.expect, state);
      continue;
    }
    const to = s.expect!;
    if (state === undefined) assert.equal(to, 'open', `${plan.sessionId}: created as ${to}`);
    else if (state !== to) {
      const kind = s.step === 'return' ? 'returns' : s.step === 'reopen' ? 'reopen' : 'update';
      const ok = (TRANSITIONS[kind] as ReadonlyArray<readonly [string, string]>).some(
        ([f, t]) => f === state && t === to,
      );
      assert.ok(ok, `${plan.sessionId}: ${s.step} ${state} → ${to} is not allowed`);
    } else
      assert.ok(
        state === 'open' || (state === 'partially_returned' && s.step === 'return'),
        `${plan.sessionId}: ${s.step} in ${state}`,
      );
    state = to;
  }
  const ends: Record<string, SessionState | undefined> = {
    browse: 'open',
    checkout: 'closed',
    checkout_cancel: 'cancelled',
    cancel_before_checkout: 'cancelled',
    return: 'cancelled',
    reopen: 'closed',
    dry: undefined,
  };
  assert.equal(state, ends[plan.kind], `${plan.sessionId}: ${plan.kind} ends ${state}`);
}

test('every limit and every transition holds over many seeds, for every preset and an extreme profile', () => {
  const profiles = [...PRESET_NAMES.map((n) => PRESETS[n]!), EXTREME];
  for (const profile of profiles) {
    const big = profile.cart.items.min >= 100;
    const seeds = big ? 6 : 25;
    const perSeed = big ? 12 : 60;
    for (let seed = 1; seed <= seeds; seed++) {
      const planner = createPlanner({ pools, profile, seed });
      for (let i = 0; i < perSeed; i++) {
        const plan = planner.plan(i * 7919 + seed);
        checkLimits(plan);
        checkStates(plan);
      }
    }
  }
});

test('the same (seed, profile, index) gives the same plan, whatever was planned before', () => {
  const a = createPlanner({ pools, profile: 'coupon-heavy', seed: 'abc' });
  const b = createPlanner({ pools, profile: 'coupon-heavy', seed: 'abc' });
  const forward = Array.from({ length: 200 }, (_, i) => JSON.stringify(a.plan(i)));
  const backward = Array.from({ length: 200 }, (_, i) => JSON.stringify(b.plan(199 - i))).reverse();
  assert.deepEqual(backward, forward);
  assert.equal(JSON.stringify(b.plan(10 ** 12)), JSON.stringify(a.plan(10 ** 12)), 'large indices too');
  const other = createPlanner({ pools, profile: 'coupon-heavy', seed: 'abd' });
  const same = forward.filter((p, i) => p.replaceAll('-abc-', '-abd-') === JSON.stringify(other.plan(i))).length;
  assert.ok(same < 5, `${same} of 200 plans do not change with the seed`);
});

test('identifiers are 64 hex digits, the same for the same (seed, index) as earlier versions made them', () => {
  const p = createPlanner({ pools, profile: 'default', seed: 'ids' });
  const idsOf = (i: number): string[] | undefined =>
    p
      .plan(i)
      .steps.map((s) => (s.body as IntegrationRequest | undefined)?.customerSession?.identifiers)
      .find((x) => x !== undefined);
  // Written by the implementation before hex64 formatted its digits itself (Number#toString(16)).
  assert.deepEqual(idsOf(2), [
    '10249b37ee7a4b76d8e81ea42b62ea26eafe828df47878964ba5e255c463e62a',
    'c6ef3e4766c4a590392ceb190d0bb994a99040cd4df86d00596f00208e6b514e',
  ]);
  assert.deepEqual(idsOf(4), ['01a121698e43817dfc59290c3dee6c725928b64b692f21262a81270893227ccb']);
  for (let i = 0; i < 200; i++) for (const id of idsOf(i) ?? []) assert.match(id, /^[0-9a-f]{64}$/);
});

test('plan(i, kind) forces the lifecycle and keeps the session otherwise as drawn', () => {
  const p = createPlanner({ pools, seed: 12 });
  for (let i = 0; i < 50; i++) {
    const drawn = p.plan(i);
    assert.equal(JSON.stringify(p.plan(i, drawn.kind as GeneratedKind)), JSON.stringify(drawn));
    for (const kind of LIFECYCLE_KINDS) {
      const forced = p.plan(i, kind);
      assert.equal(forced.kind, kind);
      assert.equal(forced.profileId, drawn.profileId);
      checkLimits(forced);
      checkStates(forced);
    }
  }
});

test('session IDs are <prefix>-<seed>-<index>, unique, and guests get their own profile IDs', () => {
  const p = createPlanner({ pools, seed: 9, sessionPrefix: 'run42' });
  const ids = new Set<string>();
  for (let i = 0; i < 500; i++) {
    const plan = p.plan(i);
    assert.equal(plan.sessionId, `run42-9-${i}`);
    assert.equal(p.sessionId(i), plan.sessionId);
    ids.add(plan.sessionId);
    if (plan.profileId!.includes('guest')) assert.equal(plan.profileId, `run42-guest-9-${i}`);
  }
  assert.equal(ids.size, 500);
  assert.throws(() => p.plan(-1), /non-negative safe integer/);
  assert.throws(() => p.plan(1, 'shopping' as never), /plan kind: must be one of browse/);
  assert.throws(() => p.plan(1.5), /non-negative safe integer/);
});

test('a known profile comes back only after every other known profile had a session (few concurrent sessions per profile)', () => {
  const small = { ...pools, profileIds: pools.profileIds.slice(0, 50) };
  const p = createPlanner({ pools: small, seed: 3 });
  const last = new Map<string, number>();
  let repeats = 0;
  for (let i = 0; i < 3000; i++) {
    const plan = p.plan(i);
    if (plan.profileId!.includes('guest')) continue;
    const prev = last.get(plan.profileId!);
    if (prev !== undefined) {
      assert.ok(i - prev >= 50, `${plan.profileId} at sessions ${prev} and ${i}`);
      repeats++;
    }
    last.set(plan.profileId!, i);
  }
  assert.equal(last.size, 50, 'every known profile is used');
  assert.ok(repeats > 1000, 'known customers come back');
});

test('the generated traffic follows the profile within tolerance', () => {
  const profile = PRESETS['default']!;
  const p = createPlanner({ pools, profile, seed: 11 });
  const n = 20_000;
  const kinds: Record<string, number> = {};
  let guests = 0;
  let withCoupons = 0;
  let withReferral = 0;
  let withLoyalty = 0;
  let withGet = 0;
  let withShipping = 0;
  let invalid = 0;
  let codes = 0;
  const sizes: number[] = [];
  const quantities: number[] = [];
  const think: number[] = [];
  const valid = new Set(Array.from(pools.validCoupons));
  for (let i = 0; i < n; i++) {
    const plan = p.plan(i);
    kinds[plan.kind] = (kinds[plan.kind] ?? 0) + 1;
    if (plan.profileId!.includes('guest')) guests++;
    const bodies = plan.steps
      .filter((s) => s.method === 'PUT' && s.body)
      .map((s) => (s.body as IntegrationRequest).customerSession);
    const last = bodies[bodies.length - 1]!;
    const all = bodies.find((b) => b.couponCodes) ?? last;
    if (all.couponCodes) {
      withCoupons++;
      for (const c of all.couponCodes) {
        codes++;
        if (!valid.has(c)) invalid++;
      }
    }
    if (bodies.some((b) => b.referralCode !== undefined)) withReferral++;
    if (last.loyaltyCards) {
      withLoyalty++;
      assert.ok(!plan.profileId!.includes('guest'), 'guests have no loyalty card');
    }
    if (last.additionalCosts) withShipping++;
    if (plan.steps[plan.steps.length - 1]!.step === 'get') withGet++;
    if (plan.kind === 'checkout') {
      sizes.push(last.cartItems!.length);
      for (const it of last.cartItems!) quantities.push(it.quantity);
    }
    for (let k = 1; k < plan.steps.length; k++) think.push(plan.steps[k]!.at! - plan.steps[k - 1]!.at!);
  }
  const total = LIFECYCLE_KINDS.reduce((a, k) => a + profile.lifecycles[k], 0);
  for (const k of LIFECYCLE_KINDS) {
    const want = profile.lifecycles[k] / total;
    assert.ok(Math.abs((kinds[k] ?? 0) / n - want) < 0.012, `${k}: ${(kinds[k] ?? 0) / n} vs ${want}`);
  }
  const near = (got: number, want: number, tol: number, what: string): void =>
    assert.ok(Math.abs(got - want) < tol, `${what}: ${got} vs ${want}`);
  near(guests / n, profile.profiles.guestShare, 0.012, 'guest share');
  near(withCoupons / n, profile.coupons.sessionShare, 0.012, 'coupon share');
  near(invalid / codes, profile.coupons.invalidShare, 0.02, 'invalid coupon share');
  near(withReferral / n, profile.referral.sessionShare, 0.006, 'referral share');
  near(withLoyalty / n, profile.loyalty.sessionShare, 0.012, 'loyalty share');
  near(withShipping / n, profile.shipping.sessionShare, 0.012, 'shipping share');
  near(withGet / (n - (kinds['dry'] ?? 0)), profile.getShare, 0.01, 'get share');
  sizes.sort((a, b) => a - b);
  near(sizes[sizes.length >> 1]!, profile.cart.items.median, 1.01, 'median cart size');
  near(quantities.reduce((a, b) => a + b, 0) / quantities.length, profile.cart.quantity.mean, 0.05, 'mean quantity');
  think.sort((a, b) => a - b);
  near(think[think.length >> 1]! / profile.thinkTimeMs.median, 1, 0.05, 'median think time');
});

test('popular products appear in more carts (Zipf-like), and SKUs are shared across sessions', () => {
  const p = createPlanner({ pools, seed: 4 });
  const seen = new Map<string, number>();
  for (let i = 0; i < 3000; i++) {
    const open = p.plan(i).steps[0]!.body as IntegrationRequest;
    for (const it of open.customerSession.cartItems!) seen.set(it.sku, (seen.get(it.sku) ?? 0) + 1);
  }
  const top = seen.get(pools.products[0]!.sku) ?? 0;
  const tenth = seen.get(pools.products[9]!.sku) ?? 0;
  assert.ok(top > 4 * tenth && tenth > 0, `rank 1 in ${top} carts, rank 10 in ${tenth}`);
  assert.ok(seen.size < pools.products.length, 'a long tail stays unsold');
});

test('pools without coupons, referrals, loyalty cards or known profiles give sessions without them', () => {
  const bare = {
    ...pools,
    validCoupons: [],
    invalidCoupons: [],
    validReferrals: [],
    invalidReferrals: [],
    loyaltyCards: [],
    profileIds: [],
    campaignIds: [],
    cities: [],
  };
  const p = createPlanner({ pools: bare, profile: 'coupon-heavy', seed: 1 });
  for (let i = 0; i < 300; i++) {
    const plan = p.plan(i);
    assert.ok(plan.profileId!.includes('guest'));
    for (const s of plan.steps) {
      if (s.method !== 'PUT' || !s.body) continue;
      const cs = (s.body as IntegrationRequest).customerSession;
      assert.equal(cs.couponCodes ?? cs.referralCode ?? cs.loyaltyCards ?? cs.evaluableCampaignIds, undefined);
      assert.deepEqual(cs.attributes, {});
    }
  }
  assert.throws(
    () => createPlanner({ pools: { ...pools, products: [] }, seed: 1 }),
    /pools\.products: must not be empty/,
  );
  assert.throws(() => createPlanner({ pools, seed: '' }), /seed: must be 1 to 200 characters/);
});

/** Plans of a catalog smaller than the carts the profile draws: every limit, transition and step against the core. */
function checkTinyCatalog(what: string, tiny: Parameters<typeof createPlanner>[0]['pools'], seeds = 8): void {
  for (const profile of [...PRESET_NAMES.map((n) => PRESETS[n]!), EXTREME]) {
    for (let seed = 1; seed <= seeds; seed++) {
      const planner = createPlanner({ pools: tiny, profile, seed });
      const core = createTargetCore();
      for (let i = 0; i < 40; i++) {
        const plan = planner.plan(i);
        assert.doesNotThrow(() => {
          checkLimits(plan);
          checkStates(plan);
        }, `${what}, ${profile.name} seed ${seed} plan ${i}`);
        for (const [k, s] of plan.steps.entries()) {
          const r = core.handle({ method: s.method, path: s.path, query: s.query ?? {}, body: s.body });
          // The message (the answer's JSON, of up to 1,000 items) only when it fails.
          if (r.status !== 200)
            assert.fail(
              `${what}, ${profile.name} seed ${seed} ${plan.sessionId} step ${k} ${s.step}: ${r.status} ${JSON.stringify(r.body).slice(0, 200)}`,
            );
        }
      }
      // Every kind forced on the same index: the reopen and return paths with a catalog already used up.
      for (const kind of LIFECYCLE_KINDS) checkStates(planner.plan(seed, kind));
    }
  }
}

test('tiny pools (1 to 3 products, 1 store, 1 coupon) give valid plans for every preset', () => {
  for (const products of [1, 2, 3]) {
    const tiny = buildPools({
      seed: products,
      sizes: {
        products,
        stores: 1,
        validCoupons: 1,
        invalidCoupons: 0,
        validReferrals: 1,
        invalidReferrals: 0,
        profileIds: 3,
      },
    });
    checkTinyCatalog(`${products} products`, tiny);
  }
});

test('a user CSV catalog of 1 to 3 products gives valid plans for every preset', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'cartload-tiny-'));
  try {
    for (const products of [1, 2, 3]) {
      const file = join(dir, `products-${products}.csv`);
      const rows = ['sku,name,price', 'T-1,Tee,19.99', 'T-2,Cap,7', 'T-3,Mug,4.5'].slice(0, products + 1);
      writeFileSync(file, rows.join('\n') + '\n');
      const catalog = await readCsvPool('products', file);
      assert.equal(catalog.length, products);
      // The catalog read from CSV differs from a built one (the test above, 8 seeds) only in its
      // products' fields: 3 seeds of 40 plans per preset prove those.
      checkTinyCatalog(
        `CSV of ${products} products`,
        {
          ...buildPools({ seed: 9, sizes: { products: 1, stores: 1, validCoupons: 1, invalidCoupons: 0 } }),
          products: catalog,
        },
        3,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a profile compiled against the pools and read back from JSON (as k6 VUs read it from pools.json) plans byte for byte the same', () => {
  for (const name of PRESET_NAMES) {
    const model = compilePlanModel(PRESETS[name]!, poolSizes(pools));
    const shipped = JSON.parse(JSON.stringify(model)) as PlanModel;
    const direct = createPlanner({ pools, profile: name, seed: 'm' });
    const read = createPlanner({ pools, model: shipped, seed: 'm' });
    assert.equal(read.profileName, name);
    for (let i = 0; i < 150; i++)
      assert.equal(JSON.stringify(read.plan(i)), JSON.stringify(direct.plan(i)), `${name} plan ${i}`);
  }
  const other = compilePlanModel(PRESETS['default']!, poolSizes({ ...pools, stores: ['one'] }));
  assert.throws(
    () => createPlanner({ pools, model: other, seed: 1 }),
    /model: compiled for pools of sizes .* given pools of sizes/,
  );
});

test('a learned profile compiles its distributions into the model (presets have none of them) and plans byte for byte from it read back from JSON', () => {
  for (const name of PRESET_NAMES) {
    const model = compilePlanModel(PRESETS[name]!, poolSizes(pools));
    assert.deepEqual(
      Object.keys(model).filter((k) => LEARNED_FIELDS.includes(k)),
      [],
      name,
    );
  }
  const model = compilePlanModel(LEARNED, poolSizes(pools));
  assert.deepEqual(
    LEARNED_FIELDS.filter((k) => (model as unknown as Record<string, unknown>)[k] === undefined),
    [],
    'every learned part is in the model',
  );
  const shipped = JSON.parse(JSON.stringify(model)) as PlanModel;
  for (const seed of ['m', 8]) {
    const direct = createPlanner({ pools, profile: LEARNED, seed });
    const read = createPlanner({ pools, model: shipped, seed });
    for (let i = 0; i < 400; i++) {
      const plan = read.plan(i);
      checkLimits(plan);
      assert.equal(JSON.stringify(plan), JSON.stringify(direct.plan(i)), `seed ${seed} plan ${i}`);
    }
  }
});

test('a learned catalog gives every product one learned price and category; learned counts, think times and repeat visits shape the plans', () => {
  const planner = createPlanner({ pools, profile: LEARNED, seed: 'learned' });
  const labels = new Map<string, string>();
  const customers = new Map<string, number>();
  const names = Object.keys(LEARNED.cart.categories!);
  let guests = 0;
  const sessions = 3000;
  for (let i = 0; i < sessions; i++) {
    const plan = planner.plan(i);
    const id = plan.profileId as string;
    if (id.includes('-guest-')) guests++;
    else customers.set(id, (customers.get(id) ?? 0) + 1);
    let updates = 0;
    plan.steps.forEach((st, k) => {
      if (st.step === 'update') updates++;
      const prev = plan.steps[k - 1];
      const gap = prev ? st.at! - prev.at! : 0;
      if (prev?.step === 'open' && st.step === 'update') assert.ok(gap >= 250 && gap <= 400, `open>update ${gap} ms`);
      if (prev?.step === 'close' && st.step === 'return')
        assert.ok(gap >= 30_000 && gap <= 60_000, `close>return ${gap} ms`);
      if (
        prev &&
        !(prev.step === 'open' && st.step === 'update') &&
        !(prev.step === 'update' && st.step === 'close') &&
        !(prev.step === 'close' && st.step === 'return')
      ) {
        assert.ok(gap >= 300 && gap <= 5000, `${prev.step}>${st.step}: ${gap} ms from the common quantiles`);
      }
      if (st.method !== 'PUT' || st.step === 'reopen') return;
      const cs = (st.body as IntegrationRequest).customerSession;
      if (cs.couponCodes) assert.ok(cs.couponCodes.length >= 1 && cs.couponCodes.length <= 3);
      for (const it of cs.cartItems!) {
        assert.ok(it.price! >= 0.99 && it.price! <= 120, `price ${it.price}`);
        assert.ok(names.includes(it.category!), `category ${it.category}`);
        const label = `${it.price}|${it.category}`;
        assert.equal(labels.get(it.sku) ?? label, label, `${it.sku} keeps its learned price and category`);
        labels.set(it.sku, label);
      }
    });
    if (plan.kind !== 'dry' && plan.kind !== 'reopen') assert.ok(updates <= 3, `${updates} updates`);
  }
  // A share of 0.2 guests; customers with 1, 2 and 3 sessions in proportion 5 : 2 : 1, those of one session with an ID of their own.
  assert.ok(Math.abs(guests / sessions - 0.2) < 0.02, `guests ${guests / sessions}`);
  const visits = [0, 0, 0, 0];
  for (const [id, n] of customers) {
    assert.ok(n <= 3, `${id}: ${n} sessions`);
    if (id.includes('-customer-')) assert.equal(n, 1, id);
    visits[n]! += 1;
  }
  const known = visits[1]! + visits[2]! + visits[3]!;
  [5 / 8, 2 / 8, 1 / 8].forEach((share, i) =>
    assert.ok(Math.abs(visits[i + 1]! / known - share) < 0.02, `customers by sessions: ${visits.join(', ')}`),
  );
});

test('plans with their bodies as text (what k6 VUs hold) are byte for byte the plans with objects, JSON.stringify of each body', () => {
  const attributes = resolveProfile({
    name: 'with-attributes',
    cart: { itemAttributes: true },
    lifecycles: { return: 30, reopen: 30, dry: 20 },
    getShare: 0.5,
  });
  const tiny = buildPools({ seed: 3, sizes: { products: 4, profileIds: 2 } });
  for (const [what, p] of [
    ['pools', pools],
    ['a 4-product catalog', tiny],
  ] as const) {
    const texts = itemTextsOf(p.products);
    for (const profile of [
      ...PRESET_NAMES.map((n) => PRESETS[n]!),
      EXTREME,
      attributes,
      LEARNED,
      resolveProfile({ ...LEARNED, name: 'learned, with attributes', cart: { ...LEARNED.cart, itemAttributes: true } }),
    ]) {
      const objects = createPlanner({ pools: p, profile, seed: 'text' });
      const text = createPlanner({ pools: p, profile, seed: 'text', itemTexts: texts });
      const n = profile.cart.items.min >= 100 ? 15 : 120;
      for (let i = 0; i < n; i++) {
        const a = objects.plan(i);
        const b = text.plan(i);
        const where = `${what}, ${profile.name}, plan ${i}`;
        assert.deepEqual({ ...b, steps: [] }, { ...a, steps: [] }, where);
        assert.equal(b.steps.length, a.steps.length, where);
        a.steps.forEach(({ body, ...rest }, k) => {
          const { bodyText, ...others } = b.steps[k]!;
          assert.deepEqual(others, rest, `${where}, step ${k}`);
          assert.equal(bodyText, body === undefined ? undefined : JSON.stringify(body), `${where}, step ${k}`);
        });
      }
    }
  }
});
