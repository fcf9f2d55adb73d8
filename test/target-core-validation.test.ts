// Every limit the real API enforces, at, below and above its bound, with the 400 shape and the
// JSON pointer naming the field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ErrorResponse } from '../model/api.ts';
import { LIMITS, RESPONSE_CONTENT } from '../model/limits.ts';
import { createTargetCore } from '../emulator/core/index.ts';

const core = createTargetCore();
let n = 0;
function put(cs: unknown, extra: Record<string, unknown> = {}, query: Record<string, string> = {}) {
  return core.handle({
    method: 'PUT',
    path: `/v2/customer_sessions/v${n++}`,
    query,
    body: { customerSession: cs, ...extra },
  });
}
function pointers(res: { status: number; body: unknown }): string[] {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const body = res.body as ErrorResponse;
  assert.equal(typeof body.message, 'string');
  assert.ok(body.errors && body.errors.length > 0);
  for (const e of body.errors) {
    assert.equal(typeof e.title, 'string');
    assert.ok(e.source && typeof e.source === 'object');
  }
  return body.errors.map((e) => e.source.pointer ?? `?${e.source.parameter}`);
}
const items = (count: number, quantity = 1) =>
  Array.from({ length: count }, (_, i) => ({ sku: `S${i}`, quantity, price: 1 }));

describe('cart items', () => {
  test(`at most ${LIMITS.maxCartItems}: at and below pass, above names the first item past the limit`, () => {
    assert.equal(put({ cartItems: items(LIMITS.maxCartItems - 1) }).status, 200);
    assert.equal(put({ cartItems: items(LIMITS.maxCartItems) }).status, 200);
    assert.deepEqual(pointers(put({ cartItems: items(LIMITS.maxCartItems + 1) })), ['/customerSession/cartItems/1000']);
  });

  test(`sum of quantities at most ${LIMITS.maxTotalQuantity}`, () => {
    assert.equal(put({ cartItems: [{ sku: 'a', quantity: 9_999 }] }).status, 200);
    assert.equal(
      put({
        cartItems: [
          { sku: 'a', quantity: 5_000 },
          { sku: 'b', quantity: 5_000 },
        ],
      }).status,
      200,
    );
    assert.deepEqual(
      pointers(
        put({
          cartItems: [
            { sku: 'a', quantity: 5_000 },
            { sku: 'b', quantity: 5_001 },
          ],
        }),
      ),
      ['/customerSession/cartItems/1/quantity'],
    );
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: 10_001 }] })), [
      '/customerSession/cartItems/0/quantity',
    ]);
  });

  test('quantity is an integer ≥ 1', () => {
    assert.equal(put({ cartItems: [{ sku: 'a', quantity: 1 }] }).status, 200);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: 0 }] })), [
      '/customerSession/cartItems/0/quantity',
    ]);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: 1.5 }] })), [
      '/customerSession/cartItems/0/quantity',
    ]);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: '2' }] })), [
      '/customerSession/cartItems/0/quantity',
    ]);
  });

  test('sku and quantity are required, sku is non-empty', () => {
    assert.equal(put({ cartItems: [{ sku: 'x', quantity: 1 }] }).status, 200);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: '', quantity: 1 }] })), ['/customerSession/cartItems/0/sku']);
    assert.deepEqual(pointers(put({ cartItems: [{ quantity: 1 }] })), ['/customerSession/cartItems/0/sku']);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a' }] })), ['/customerSession/cartItems/0/quantity']);
  });

  test('types of the optional fields are checked', () => {
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: 1, price: 'free' }] })), [
      '/customerSession/cartItems/0/price',
    ]);
    assert.deepEqual(pointers(put({ cartItems: [{ sku: 'a', quantity: 1, product: {} }] })), [
      '/customerSession/cartItems/0/product/name',
    ]);
  });
});

describe('session fields', () => {
  test(`at most ${LIMITS.maxLoyaltyCards} loyalty card`, () => {
    assert.equal(put({ loyaltyCards: [] }).status, 200);
    assert.equal(put({ loyaltyCards: ['c1'] }).status, 200);
    assert.deepEqual(pointers(put({ loyaltyCards: ['c1', 'c2'] })), ['/customerSession/loyaltyCards/1']);
  });

  test(`at most ${LIMITS.maxIdentifiers} identifiers`, () => {
    assert.equal(put({ identifiers: ['a', 'b', 'c', 'd'] }).status, 200);
    assert.equal(put({ identifiers: ['a', 'b', 'c', 'd', 'e'] }).status, 200);
    assert.deepEqual(pointers(put({ identifiers: ['a', 'b', 'c', 'd', 'e', 'f'] })), [
      '/customerSession/identifiers/5',
    ]);
  });

  test(`coupon codes at most ${LIMITS.maxCouponCodeLength} characters each`, () => {
    assert.equal(put({ couponCodes: ['C'.repeat(99)] }).status, 200);
    assert.equal(put({ couponCodes: ['C'.repeat(100)] }).status, 200);
    assert.deepEqual(pointers(put({ couponCodes: ['ok', 'C'.repeat(101)] })), ['/customerSession/couponCodes/1']);
  });

  test(`referral code at most ${LIMITS.maxReferralCodeLength} characters`, () => {
    assert.equal(put({ referralCode: 'R'.repeat(99) }).status, 200);
    assert.equal(put({ referralCode: 'R'.repeat(100) }).status, 200);
    assert.deepEqual(pointers(put({ referralCode: 'R'.repeat(101) })), ['/customerSession/referralCode']);
  });

  test(`store ID from ${LIMITS.minStoreIdLength} to ${LIMITS.maxStoreIdLength} characters`, () => {
    assert.deepEqual(pointers(put({ storeIntegrationId: '' })), ['/customerSession/storeIntegrationId']);
    assert.equal(put({ storeIntegrationId: 'S' }).status, 200);
    assert.equal(put({ storeIntegrationId: 'S'.repeat(999) }).status, 200);
    assert.equal(put({ storeIntegrationId: 'S'.repeat(1000) }).status, 200);
    assert.deepEqual(pointers(put({ storeIntegrationId: 'S'.repeat(1001) })), ['/customerSession/storeIntegrationId']);
  });

  test('state must be one of the four states', () => {
    assert.deepEqual(pointers(put({ state: 'done' })), ['/customerSession/state']);
    const body = put({ state: 'done' }).body as ErrorResponse;
    assert.match(body.errors![0]!.details!, /"open"/, 'the error lists the allowed values');
  });

  test('customerSession is required and must be an object; the body must be an object', () => {
    assert.deepEqual(pointers(core.handle({ method: 'PUT', path: '/v2/customer_sessions/x', query: {}, body: {} })), [
      '/customerSession',
    ]);
    assert.deepEqual(
      pointers(
        core.handle({ method: 'PUT', path: '/v2/customer_sessions/x', query: {}, body: { customerSession: [] } }),
      ),
      ['/customerSession'],
    );
    assert.deepEqual(
      pointers(core.handle({ method: 'PUT', path: '/v2/customer_sessions/x', query: {}, body: undefined })),
      [''],
    );
  });

  test('null coupon codes and referral code mean "keep", as Talon.One documents', () => {
    assert.equal(put({ couponCodes: null, referralCode: null }).status, 200);
  });

  test('several errors are reported together, one per field', () => {
    const ptrs = pointers(put({ loyaltyCards: ['a', 'b'], cartItems: [{ sku: '', quantity: 0 }] }));
    assert.deepEqual(ptrs.sort(), [
      '/customerSession/cartItems/0/quantity',
      '/customerSession/cartItems/0/sku',
      '/customerSession/loyaltyCards/1',
    ]);
  });
});

describe('responseContent', () => {
  test('every documented value is accepted', () => {
    assert.equal(put({}, { responseContent: [...RESPONSE_CONTENT] }).status, 200);
  });
  test('an unknown value is a 400 naming its index', () => {
    assert.deepEqual(pointers(put({}, { responseContent: ['customerSession', 'everything'] })), ['/responseContent/1']);
  });
  test('returns accept only their own subset', () => {
    const id = `rc${n++}`;
    core.handle({
      method: 'PUT',
      path: `/v2/customer_sessions/${id}`,
      query: {},
      body: { customerSession: { state: 'closed', cartItems: [{ sku: 'a', quantity: 1 }] } },
    });
    const res = core.handle({
      method: 'POST',
      path: `/v2/customer_sessions/${id}/returns`,
      query: {},
      body: { return: { returnedCartItems: [{ position: 0 }] }, responseContent: ['ruleFailureReasons'] },
    });
    assert.deepEqual(pointers(res), ['/responseContent/0']);
  });
});

describe('path and query parameters', () => {
  test(`session ID at most ${LIMITS.maxSessionIdLength} characters`, () => {
    const ok = core.handle({
      method: 'PUT',
      path: `/v2/customer_sessions/${'i'.repeat(1000)}`,
      query: {},
      body: { customerSession: {} },
    });
    assert.equal(ok.status, 200);
    const res = core.handle({
      method: 'PUT',
      path: `/v2/customer_sessions/${'i'.repeat(1001)}`,
      query: {},
      body: { customerSession: {} },
    });
    assert.deepEqual(pointers(res), ['?customerSessionId']);
  });

  test('dry must be true or false', () => {
    assert.equal(put({}, {}, { dry: 'false' }).status, 200);
    assert.deepEqual(pointers(put({}, {}, { dry: 'yes' })), ['?dry']);
  });

  test('now only with dry=true, RFC 3339, in the future', () => {
    const at = new Date('2030-01-01T00:00:00Z');
    const call = (query: Record<string, string>) =>
      core.handle({
        method: 'PUT',
        path: `/v2/customer_sessions/now${n++}`,
        query,
        body: { customerSession: {} },
        now: at,
      });
    const whatIf = call({ dry: 'true', now: '2030-01-02T00:00:00+02:00' });
    assert.equal(whatIf.status, 200);
    const answered = core.handle({
      method: 'PUT',
      path: `/v2/customer_sessions/now${n++}`,
      query: { dry: 'true', now: '2030-01-02T00:00:00+02:00' },
      body: { customerSession: {}, responseContent: ['customerSession'] },
      now: at,
    }).body as { customerSession: { updated: string } };
    assert.equal(answered.customerSession.updated, '2030-01-01T22:00:00.000Z', 'the answer reads as if sent at `now`');
    assert.equal(
      call({ dry: 'true', now: '2030-01-01T00:00:01.5+01:00' }).status,
      400,
      'an hour earlier in UTC: the past',
    );
    assert.deepEqual(pointers(call({ now: '2030-01-02T00:00:00Z' })), ['?now']);
    assert.deepEqual(pointers(call({ dry: 'true', now: '2029-12-31T23:59:59Z' })), ['?now']);
    assert.deepEqual(pointers(call({ dry: 'true', now: 'tomorrow' })), ['?now']);
  });

  test('unknown paths and methods are 404', () => {
    assert.equal(
      core.handle({ method: 'DELETE', path: '/v2/customer_sessions/x', query: {}, body: undefined }).status,
      404,
    );
    assert.equal(
      core.handle({ method: 'GET', path: '/v2/customer_sessions/x/y/z', query: {}, body: undefined }).status,
      404,
    );
    assert.equal(core.handle({ method: 'GET', path: '/v1/other', query: {}, body: undefined }).status, 404);
  });
});
