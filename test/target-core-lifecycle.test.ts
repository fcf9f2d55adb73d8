// The core's state machine, dry runs, code handling, totals, effects, redemption limits, returns
// and the bounded store, called directly (no HTTP).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CustomerSessionV2, Effect, ErrorResponse, IntegrationStateV2 } from '../model/api.ts';
import { SESSION_STATES, TRANSITIONS, type SessionState } from '../model/limits.ts';
import { createTargetCore, type TargetConfig } from '../emulator/core/index.ts';

const VALID = 'CLVALID001';
const VALID2 = 'CLVALID002';
const REFERRAL = 'RFFRIEND01';

function client(config: Partial<TargetConfig> = {}) {
  const core = createTargetCore(config);
  const path = (id: string, suffix = '') => `/v2/customer_sessions/${encodeURIComponent(id)}${suffix}`;
  return {
    core,
    put: (id: string, cs: Record<string, unknown>, opts: { dry?: boolean; content?: string[]; now?: Date } = {}) =>
      core.handle({
        method: 'PUT',
        path: path(id),
        query: opts.dry ? { dry: 'true' } : {},
        body: { customerSession: cs, ...(opts.content ? { responseContent: opts.content } : {}) },
        ...(opts.now ? { now: opts.now } : {}),
      }),
    get: (id: string) => core.handle({ method: 'GET', path: path(id), query: {}, body: undefined }),
    reopen: (id: string) => core.handle({ method: 'PUT', path: path(id, '/reopen'), query: {}, body: undefined }),
    ret: (id: string, items: unknown[], opts: { dry?: boolean; content?: string[] } = {}) =>
      core.handle({
        method: 'POST',
        path: path(id, '/returns'),
        query: opts.dry ? { dry: 'true' } : {},
        body: { return: { returnedCartItems: items }, ...(opts.content ? { responseContent: opts.content } : {}) },
      }),
  };
}
type Client = ReturnType<typeof client>;

function ok(res: { status: number; body: unknown }): IntegrationStateV2 {
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body as IntegrationStateV2;
}
function stateOf(c: Client, id: string): SessionState | undefined {
  return c.core.session(id)?.state;
}
function types(effects: Effect[]): string[] {
  return effects.map((e) => e.effectType);
}
const cart = [
  { sku: 'A', quantity: 2, price: 50 },
  { sku: 'B', quantity: 1, price: 30 },
];

/** Brings a new session to `state` through allowed steps. */
function bringTo(c: Client, id: string, state: SessionState): void {
  if (state === 'open' || state === 'closed') ok(c.put(id, { cartItems: cart, state }));
  if (state === 'cancelled') {
    ok(c.put(id, { cartItems: cart }));
    ok(c.put(id, { state: 'cancelled' }));
  }
  if (state === 'partially_returned') {
    ok(c.put(id, { cartItems: cart, state: 'closed' }));
    ok(c.ret(id, [{ position: 0, quantity: 1 }]));
  }
  assert.equal(stateOf(c, id), state);
}

describe('state machine', () => {
  const allowedUpdate = new Set(TRANSITIONS.update.map(([f, t]) => `${f}->${t}`));
  for (const from of SESSION_STATES) {
    for (const to of SESSION_STATES) {
      const key = `${from}->${to}`;
      const expected =
        from === 'open' && to === 'open'
          ? 'allowed (an ordinary update)'
          : allowedUpdate.has(key)
            ? 'allowed'
            : 'forbidden';
      test(`update ${key}: ${expected}`, () => {
        const c = client();
        bringTo(c, 's', from);
        const res = c.put('s', { state: to });
        if (expected !== 'forbidden') {
          ok(res);
          assert.equal(stateOf(c, 's'), to);
        } else {
          assert.equal(res.status, 400);
          const body = res.body as ErrorResponse;
          assert.equal(body.errors?.[0]?.source.pointer, '/customerSession/state');
          assert.ok(body.message.includes(from), `the message names the state it is in: ${body.message}`);
          if (from !== to)
            assert.ok(body.message.includes(to), `the message names the state asked for: ${body.message}`);
          assert.equal(stateOf(c, 's'), from, 'a refused transition changes nothing');
        }
      });
    }
  }

  test('a session can be created open or closed, not cancelled or partially returned', () => {
    const c = client();
    assert.equal(ok(c.put('a', { state: 'open' })) && stateOf(c, 'a'), 'open');
    assert.equal(ok(c.put('b', { state: 'closed' })) && stateOf(c, 'b'), 'closed');
    assert.equal(ok(c.put('c', {})) && stateOf(c, 'c'), 'open', 'open is the default');
    for (const state of ['cancelled', 'partially_returned']) {
      const res = c.put(`x-${state}`, { state });
      assert.equal(res.status, 400);
      assert.match((res.body as ErrorResponse).message, new RegExp(state));
      assert.equal(c.get(`x-${state}`).status, 404);
    }
  });

  for (const from of SESSION_STATES) {
    const allowed = TRANSITIONS.reopen.some(([f]) => f === from);
    test(`reopen from ${from}: ${allowed ? 'allowed' : 'forbidden'}`, () => {
      const c = client();
      bringTo(c, 's', from);
      const res = c.reopen('s');
      assert.equal(res.status, allowed ? 200 : 400, JSON.stringify(res.body));
      assert.equal(stateOf(c, 's'), allowed ? 'open' : from);
      if (allowed) assert.deepEqual(Object.keys(res.body as object), ['effects']);
      else assert.match((res.body as ErrorResponse).message, new RegExp(from));
    });

    const returnable = TRANSITIONS.returns.some(([f]) => f === from) || from === 'partially_returned';
    test(`returns from ${from}: ${returnable ? 'allowed' : 'forbidden'}`, () => {
      const c = client();
      bringTo(c, 's', from);
      const res = c.ret('s', [{ position: 1, quantity: 1 }]);
      assert.equal(res.status, returnable ? 200 : 400, JSON.stringify(res.body));
      assert.equal(stateOf(c, 's'), returnable ? 'partially_returned' : from);
    });
  }

  test('reopen, returns and GET of an unknown session are 404', () => {
    const c = client();
    assert.equal(c.reopen('nope').status, 404);
    assert.equal(c.ret('nope', [{ position: 0 }]).status, 404);
    assert.equal(c.get('nope').status, 404);
  });

  test('a reopened session can be updated and closed again', () => {
    const c = client();
    bringTo(c, 's', 'closed');
    ok(c.reopen('s'));
    ok(c.put('s', { cartItems: [{ sku: 'Z', quantity: 1, price: 5 }] }));
    ok(c.put('s', { state: 'closed' }));
    assert.equal(c.core.session('s')?.cartItemTotal, 5);
  });

  test('transitions are counted in the stats', () => {
    const c = client();
    bringTo(c, 'a', 'partially_returned');
    ok(c.put('a', { state: 'cancelled' }));
    bringTo(c, 'b', 'closed');
    ok(c.reopen('b'));
    assert.deepEqual(c.core.stats().transitions, {
      'new->closed': 2,
      'closed->partially_returned': 1,
      'partially_returned->cancelled': 1,
      'closed->open': 1,
    });
  });
});

describe('dry runs', () => {
  test('a dry PUT evaluates and answers but stores nothing', () => {
    const c = client();
    const body = ok(c.put('d', { cartItems: cart, couponCodes: [VALID] }, { dry: true, content: ['customerSession'] }));
    assert.deepEqual(types(body.effects), ['acceptCoupon', 'setDiscount']);
    assert.equal(body.customerSession?.cartItemTotal, 130);
    assert.equal(c.get('d').status, 404);
    const s = c.core.stats();
    assert.equal(s.sessionsStored, 0);
    assert.equal(s.dryRuns, 1);
    assert.deepEqual(s.transitions, {});
  });

  test('a dry update of a stored session leaves it as it was', () => {
    const c = client();
    ok(c.put('d', { cartItems: cart }));
    const before = structuredClone(c.core.session('d'));
    ok(c.put('d', { cartItems: [{ sku: 'Q', quantity: 3, price: 1 }], state: 'closed' }, { dry: true }));
    assert.deepEqual(c.core.session('d'), before);
  });

  test('a dry close consumes no redemption; a dry return returns nothing', () => {
    const c = client({ coupons: [{ code: 'ONCE', usageLimit: 1 }] });
    for (let i = 0; i < 3; i++)
      assert.deepEqual(
        types(ok(c.put(`d${i}`, { couponCodes: ['ONCE'], cartItems: cart, state: 'closed' }, { dry: true })).effects),
        ['acceptCoupon', 'setDiscount'],
      );
    ok(c.put('real', { couponCodes: ['ONCE'], cartItems: cart, state: 'closed' }));
    assert.deepEqual(types(ok(c.put('late', { couponCodes: ['ONCE'] }, { dry: true })).effects), ['rejectCoupon']);
    const ret = ok(c.ret('real', [{ position: 0, quantity: 2 }], { dry: true }));
    assert.ok(ret.return);
    assert.equal(stateOf(c, 'real'), 'closed');
    assert.equal(c.core.session('real')?.cartItems[0]?.remainingQuantity, 2);
  });

  test('a dry run of an existing session considers only its payload', () => {
    const c = client();
    ok(c.put('d', { cartItems: cart, couponCodes: [VALID] }));
    const body = ok(
      c.put('d', { cartItems: [{ sku: 'C', quantity: 1, price: 10 }] }, { dry: true, content: ['customerSession'] }),
    );
    assert.deepEqual(body.customerSession?.couponCodes, [], 'the stored coupon is not part of the what-if');
    assert.equal(body.customerSession?.cartItemTotal, 10);
    assert.equal(body.customerSession?.id, c.core.session('d')?.id, 'same session identity');
  });
});

describe('updates build on the stored session', () => {
  test('omitted coupon codes and referral code are kept; empty ones discard', () => {
    const c = client();
    ok(c.put('s', { couponCodes: [VALID], referralCode: REFERRAL, cartItems: cart }));
    let body = ok(c.put('s', { attributes: { a: 1 } }, { content: ['customerSession'] }));
    assert.deepEqual(body.customerSession?.couponCodes, [VALID]);
    assert.equal(body.customerSession?.referralCode, REFERRAL);
    assert.deepEqual(types(body.effects), ['acceptCoupon', 'setDiscount', 'acceptReferral', 'setDiscount']);
    body = ok(c.put('s', { couponCodes: [] }, { content: ['customerSession'] }));
    assert.deepEqual(body.customerSession?.couponCodes, []);
    assert.equal(body.customerSession?.referralCode, REFERRAL);
    assert.deepEqual(types(body.effects), ['acceptReferral', 'setDiscount']);
    body = ok(c.put('s', { referralCode: '' }, { content: ['customerSession'] }));
    assert.equal(body.customerSession?.referralCode, '');
    assert.deepEqual(body.effects, []);
    body = ok(c.put('s', { couponCodes: null, referralCode: null }, { content: ['customerSession'] }));
    assert.deepEqual(body.customerSession?.couponCodes, []);
  });

  test('omitted cart items are kept, given ones replace the cart; attributes merge', () => {
    const c = client();
    ok(c.put('s', { cartItems: cart, attributes: { city: 'Berlin' } }));
    let s = ok(c.put('s', { attributes: { zip: '10115' } }, { content: ['customerSession'] })).customerSession!;
    assert.equal(s.cartItems.length, 2);
    assert.deepEqual(s.attributes, { city: 'Berlin', zip: '10115' });
    s = ok(c.put('s', { cartItems: [{ sku: 'C', quantity: 1, price: 1 }] }, { content: ['customerSession'] }))
      .customerSession!;
    assert.deepEqual(
      s.cartItems.map((i) => i.sku),
      ['C'],
    );
    assert.equal(s.updateCount, 3);
  });
});

describe('totals and session fields', () => {
  test('cart item, additional cost and session totals; positions; updateCount; timestamps', () => {
    const c = client();
    const t0 = new Date('2026-03-01T10:00:00Z');
    const t1 = new Date('2026-03-01T10:05:00Z');
    ok(
      c.put(
        's',
        {
          profileId: 'p',
          cartItems: [
            { sku: 'A', quantity: 3, price: 19.99, additionalCosts: { wrap: { price: 1.5 } } },
            { sku: 'B', quantity: 1 },
          ],
          additionalCosts: { shipping: { price: 4.9 } },
        },
        { now: t0 },
      ),
    );
    const s = ok(c.put('s', {}, { now: t1, content: ['customerSession'] })).customerSession as CustomerSessionV2;
    assert.equal(s.cartItemTotal, 59.97, 'price × quantity, items without price count 0');
    assert.equal(s.additionalCostTotal, 9.4, 'session costs plus item costs × quantity');
    assert.equal(s.total, 69.37);
    assert.deepEqual(
      s.cartItems.map((i) => [i.position, i.returnedQuantity, i.remainingQuantity]),
      [
        [0, 0, 3],
        [1, 0, 1],
      ],
    );
    assert.equal(s.updateCount, 2);
    assert.equal(s.created, t0.toISOString());
    assert.equal(s.updated, t1.toISOString());
    assert.equal(s.integrationId, 's');
    assert.equal(s.profileId, 'p');
  });

  test('firstSession is true only for the first session of a profile', () => {
    const c = client();
    assert.equal(
      ok(c.put('s1', { profileId: 'p' }, { content: ['customerSession'] })).customerSession?.firstSession,
      true,
    );
    assert.equal(
      ok(c.put('s2', { profileId: 'p' }, { content: ['customerSession'] })).customerSession?.firstSession,
      false,
    );
    assert.equal(
      ok(c.put('s3', { profileId: 'q' }, { content: ['customerSession'] })).customerSession?.firstSession,
      true,
    );
    assert.equal(ok(c.put('s4', {}, { content: ['customerSession'] })).customerSession?.profileId, '', 'anonymous');
  });

  test('GET answers the stored session and its last effects', () => {
    const c = client();
    ok(c.put('s', { cartItems: cart, couponCodes: [VALID] }));
    const res = c.get('s');
    assert.equal(res.status, 200);
    const body = res.body as { customerSession: CustomerSessionV2; effects: Effect[] };
    assert.equal(body.customerSession.integrationId, 's');
    assert.deepEqual(types(body.effects), ['acceptCoupon', 'setDiscount']);
  });

  test('session IDs are URL-decoded', () => {
    const c = client();
    ok(c.put('a b/c', {}));
    assert.equal(c.core.session('a b/c')?.integrationId, 'a b/c');
  });
});

describe('effects of the built-in rules', () => {
  test('a valid coupon gives acceptCoupon and a 10% discount; unknown coupons are rejected', () => {
    const c = client();
    const body = ok(c.put('s', { cartItems: cart, couponCodes: ['NOPE', VALID] }));
    assert.deepEqual(types(body.effects), ['rejectCoupon', 'acceptCoupon', 'setDiscount']);
    assert.deepEqual(body.effects[0]?.props, { value: 'NOPE', rejectionReason: 'CouponNotFound' });
    assert.deepEqual(body.effects[2]?.props, { name: '10% off with a coupon', value: 13 });
    assert.equal(body.effects[2]?.triggeredByCoupon, body.effects[1]?.triggeredByCoupon);
  });

  test('one coupon discount per session: a second valid code is rejected', () => {
    const c = client();
    const body = ok(c.put('s', { cartItems: cart, couponCodes: [VALID, VALID2] }));
    assert.deepEqual(types(body.effects), ['acceptCoupon', 'setDiscount', 'rejectCoupon']);
  });

  test('referral codes are accepted or rejected', () => {
    const c = client();
    assert.deepEqual(types(ok(c.put('a', { cartItems: cart, referralCode: REFERRAL })).effects), [
      'acceptReferral',
      'setDiscount',
    ]);
    const rejected = ok(c.put('b', { cartItems: cart, referralCode: 'WHO' }, { content: ['ruleFailureReasons'] }));
    assert.deepEqual(
      rejected.effects.map((e) => [e.effectType, e.props['rejectionReason']]),
      [['rejectReferral', 'ReferralNotFound']],
    );
    assert.equal(rejected.ruleFailureReasons?.length, 1);
  });

  test('free shipping from the threshold', () => {
    const c = client();
    const cheap = ok(
      c.put('a', { cartItems: [{ sku: 'A', quantity: 1, price: 99.99 }], additionalCosts: { shipping: { price: 5 } } }),
    );
    assert.deepEqual(cheap.effects, []);
    const dear = ok(
      c.put('b', { cartItems: [{ sku: 'A', quantity: 1, price: 100 }], additionalCosts: { shipping: { price: 5 } } }),
    );
    assert.deepEqual(types(dear.effects), ['setDiscountPerAdditionalCost']);
  });

  test('a loyalty card earns points on close only, on the total after discounts', () => {
    const c = client();
    const open = ok(c.put('s', { profileId: 'p', cartItems: cart, loyaltyCards: ['CARD1'], couponCodes: [VALID] }));
    assert.ok(!types(open.effects).includes('addLoyaltyPoints'));
    const closed = ok(c.put('s', { state: 'closed' }, { content: ['loyalty'] }));
    const add = closed.effects.find((e) => e.effectType === 'addLoyaltyPoints');
    assert.equal(add?.props['value'], 117, '130 - 13 discount');
    assert.equal(add?.props['cardIdentifier'], 'CARD1');
    const loyalty = closed.loyalty as { programs: Record<string, { ledger: { currentBalance: number } }> };
    assert.equal(loyalty.programs['1']?.ledger.currentBalance, 117);
  });
});

describe('redemption limits', () => {
  test('consumed on close, rolled back on cancel and on reopen, consumed again on the next close', () => {
    const c = client({ coupons: [{ code: 'ONCE', usageLimit: 1 }, { code: 'FREE' }] });
    const reason = (res: { status: number; body: unknown }) =>
      ok(res).effects.find((e) => e.effectType === 'rejectCoupon')?.props['rejectionReason'];
    ok(c.put('a', { couponCodes: ['ONCE'], cartItems: cart }));
    ok(c.put('b', { couponCodes: ['ONCE'], cartItems: cart }));
    assert.deepEqual(types(ok(c.put('a', { state: 'closed' })).effects), ['acceptCoupon', 'setDiscount']);
    assert.equal(reason(c.put('b', {})), 'CouponLimitReached', 'exhausted while a is closed');
    assert.equal(reason(c.put('b', { state: 'closed' })), 'CouponLimitReached');
    ok(c.put('c', { couponCodes: ['ONCE'], cartItems: cart }));
    const cancel = ok(c.put('a', { state: 'cancelled' }));
    assert.deepEqual(types(cancel.effects), ['rollbackCoupon', 'rollbackDiscount']);
    assert.deepEqual(
      types(ok(c.put('c', { state: 'closed' })).effects),
      ['acceptCoupon', 'setDiscount'],
      'free again after the cancel',
    );
    const reopened = ok(c.reopen('c'));
    assert.deepEqual(types(reopened.effects), ['rollbackCoupon', 'rollbackDiscount']);
    ok(c.put('d', { couponCodes: ['ONCE'], cartItems: cart, state: 'closed' }));
    assert.equal(reason(c.put('c', { state: 'closed' })), 'CouponLimitReached', 'd took it while c was reopened');
    for (let i = 0; i < 5; i++)
      assert.deepEqual(
        types(ok(c.put(`u${i}`, { couponCodes: ['FREE'], cartItems: cart, state: 'closed' })).effects),
        ['acceptCoupon', 'setDiscount'],
        'no limit: unlimited',
      );
    const stats = c.core.stats().coupons;
    assert.equal(stats.redeemed, 8);
    assert.equal(stats.released, 2);
  });

  test('coupons answer their usage counters; a configured list replaces the pattern', () => {
    const c = client({ coupons: [{ code: 'TWICE', usageLimit: 2 }] });
    ok(c.put('a', { couponCodes: ['TWICE'], cartItems: cart, state: 'closed' }));
    const body = ok(c.put('b', { couponCodes: ['TWICE', VALID] }, { content: ['coupons'] }));
    assert.deepEqual(
      body.coupons?.map((x) => [
        (x as { value: string }).value,
        (x as { usageCounter: number }).usageCounter,
        (x as { usageLimit: number }).usageLimit,
      ]),
      [['TWICE', 1, 2]],
    );
    assert.equal(body.effects.find((e) => e.effectType === 'rejectCoupon')?.props['value'], VALID);
  });

  test('referral limits work the same way', () => {
    const c = client({ referrals: [{ code: 'R1', usageLimit: 1 }] });
    ok(c.put('a', { referralCode: 'R1', cartItems: cart, state: 'closed' }));
    const rejected = ok(c.put('b', { referralCode: 'R1', cartItems: cart }));
    assert.equal(rejected.effects[0]?.props['rejectionReason'], 'ReferralLimitReached');
    assert.ok(types(ok(c.put('a', { state: 'cancelled' })).effects).includes('rollbackReferral'));
    assert.deepEqual(types(ok(c.put('b', { state: 'closed' })).effects), ['acceptReferral', 'setDiscount']);
  });

  test('a custom pattern decides which codes exist', () => {
    const c = client({ couponPattern: '^SALE-\\d+$' });
    assert.deepEqual(types(ok(c.put('a', { couponCodes: ['SALE-1', VALID], cartItems: cart })).effects), [
      'acceptCoupon',
      'setDiscount',
      'rejectCoupon',
    ]);
  });
});

describe('returns', () => {
  test('partial returns update quantities and roll back the returned share of discounts and points', () => {
    const c = client();
    ok(c.put('s', { profileId: 'p', cartItems: cart, loyaltyCards: ['CARD'], couponCodes: [VALID], state: 'closed' }));
    const first = ok(c.ret('s', [{ position: 0, quantity: 1 }], { content: ['customerSession', 'previousReturns'] }));
    assert.deepEqual(types(first.effects), ['rollbackDiscount', 'rollbackAddedLoyaltyPoints']);
    assert.equal(first.effects[0]?.props['value'], 5, '13 × 50/130');
    assert.equal(first.effects[1]?.props['value'], 45, 'floor(117 × 50/130)');
    assert.deepEqual(
      first.customerSession?.cartItems.map((i) => [i.returnedQuantity, i.remainingQuantity]),
      [
        [1, 1],
        [0, 1],
      ],
    );
    assert.equal(first.customerSession?.state, 'partially_returned');
    assert.deepEqual(first.previousReturns, []);
    const ret = first.return as { returnedCartItems: unknown[]; sessionIntegrationId: string };
    assert.deepEqual(ret.returnedCartItems, [{ position: 0, quantity: 1, sku: 'A' }]);
    const second = ok(c.ret('s', [{ sku: 'B' }], { content: ['previousReturns'] }));
    assert.equal(second.previousReturns?.length, 1);
    assert.equal(c.core.session('s')?.cartItems[1]?.remainingQuantity, 0);
    const cancel = ok(c.put('s', { state: 'cancelled' }));
    assert.deepEqual(types(cancel.effects), ['rollbackCoupon', 'rollbackDiscount', 'rollbackAddedLoyaltyPoints']);
    assert.equal(cancel.effects[1]?.props['value'], 5, 'the rest: 13 × 50/130');
  });

  test('returning more than remains, or a position that does not exist, is a 400 naming the item', () => {
    const c = client();
    ok(c.put('s', { cartItems: cart, state: 'closed' }));
    const ptr = (res: { status: number; body: unknown }) => {
      assert.equal(res.status, 400);
      return (res.body as ErrorResponse).errors?.[0]?.source.pointer;
    };
    assert.equal(ptr(c.ret('s', [{ position: 0, quantity: 3 }])), '/return/returnedCartItems/0/quantity');
    assert.equal(
      ptr(
        c.ret('s', [
          { position: 0, quantity: 2 },
          { position: 0, quantity: 1 },
        ]),
      ),
      '/return/returnedCartItems/1/quantity',
    );
    assert.equal(ptr(c.ret('s', [{ position: 5 }])), '/return/returnedCartItems/0/position');
    assert.equal(ptr(c.ret('s', [{ quantity: 1 }])), '/return/returnedCartItems/0/position');
    assert.equal(ptr(c.ret('s', [{ position: 0, sku: 'B' }])), '/return/returnedCartItems/0/sku');
    assert.equal(ptr(c.ret('s', [])), '/return/returnedCartItems');
    assert.equal(ptr(c.ret('s', [{ position: -1 }])), '/return/returnedCartItems/0/position');
    assert.equal(stateOf(c, 's'), 'closed', 'nothing was returned');
  });
});

describe('bounded store', () => {
  test('evicts the oldest settled session first, then the oldest idle open one', () => {
    const c = client({ maxSessions: 3 });
    ok(c.put('open1', {}));
    ok(c.put('closed1', { state: 'closed' }));
    ok(c.put('open2', {}));
    ok(c.put('open3', {}));
    assert.equal(c.get('closed1').status, 404, 'the closed session made room');
    assert.equal(c.get('open1').status, 200);
    ok(c.put('open1', { attributes: { touched: true } }));
    ok(c.put('open4', {}));
    assert.equal(c.get('open2').status, 404, 'then the least recently used open one');
    assert.equal(c.get('open1').status, 200);
    const s = c.core.stats();
    assert.equal(s.sessionsStored, 3);
    assert.equal(s.sessionsEvicted, 2);
  });

  test('memory stays bounded over many sessions', () => {
    const c = client({ maxSessions: 100, maxProfiles: 50 });
    for (let i = 0; i < 2_000; i++) ok(c.put(`s${i}`, { profileId: `p${i}`, state: i % 2 ? 'closed' : 'open' }));
    const s = c.core.stats();
    assert.equal(s.sessionsStored, 100);
    assert.equal(s.sessionsEvicted, 1_900);
    assert.equal(s.profilesStored, 50);
  });

  test('config is checked', () => {
    assert.throws(() => createTargetCore({ maxSessions: 0 }), /maxSessions/);
    assert.throws(() => createTargetCore({ couponPattern: '(' }), /couponPattern/);
    assert.throws(() => createTargetCore({ coupons: [{ code: 'x', usageLimit: -1 }] }), /coupons\[0\]\.usageLimit/);
  });
});
