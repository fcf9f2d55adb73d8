// Every answer carries each field that Talon.One's published schema marks required. The lists
// below were written for this test from reading the schema (shared/reference/talon-one), so a
// change to the target that drops a required field fails here.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESPONSE_CONTENT, RETURN_RESPONSE_CONTENT } from '../model/limits.ts';
import { createTargetCore } from '../emulator/core/index.ts';

const REQUIRED: Record<string, string[]> = {
  IntegrationStateV2: ['effects', 'createdCoupons', 'createdReferrals'],
  CustomerSessionV2: [
    'id',
    'created',
    'integrationId',
    'applicationId',
    'profileId',
    'state',
    'cartItems',
    'attributes',
    'firstSession',
    'updateCount',
    'total',
    'cartItemTotal',
    'additionalCostTotal',
    'updated',
  ],
  CartItem: ['sku', 'quantity'],
  Effect: ['campaignId', 'rulesetId', 'ruleIndex', 'ruleName', 'effectType', 'props'],
  CustomerProfile: [
    'id',
    'created',
    'integrationId',
    'attributes',
    'accountId',
    'closedSessions',
    'totalSales',
    'lastActivity',
  ],
  IntegrationCoupon: ['id', 'created', 'campaignId', 'value', 'usageLimit', 'usageCounter', 'profileRedemptionCount'],
  Campaign: [
    'id',
    'created',
    'applicationId',
    'userId',
    'name',
    'description',
    'state',
    'tags',
    'reevaluateOnReturn',
    'features',
    'limits',
    'type',
    'frontendState',
    'storesImported',
  ],
  InventoryReferral: [
    'id',
    'created',
    'campaignId',
    'advocateProfileIntegrationId',
    'code',
    'usageCounter',
    'usageLimit',
    'referredCustomers',
  ],
  Loyalty: ['programs'],
  LoyaltyProgramLedgers: ['id', 'title', 'name', 'ledger'],
  LedgerInfo: ['currentBalance', 'pendingBalance', 'expiredBalance', 'spentBalance', 'tentativeCurrentBalance'],
  LoyaltyCard: ['id', 'created', 'programID', 'status', 'identifier', 'usersPerCardLimit'],
  Event: ['id', 'created', 'applicationId', 'type', 'attributes', 'effects'],
  RuleFailureReason: ['campaignID', 'campaignName', 'ruleIndex', 'ruleName', 'rulesetID'],
  Return: [
    'id',
    'created',
    'applicationId',
    'accountId',
    'returnedCartItems',
    'eventId',
    'sessionId',
    'sessionIntegrationId',
  ],
  ReopenSessionResponse: ['effects'],
  ErrorResponse: ['message'],
  APIError: ['title', 'source'],
};
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

type Obj = Record<string, unknown>;
function has(kind: string, value: unknown, where: string): Obj {
  assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where}: a ${kind} object`);
  const o = value as Obj;
  for (const field of REQUIRED[kind]!)
    assert.ok(field in o && o[field] !== undefined, `${where}: ${kind}.${field} is required`);
  for (const field of ['created', 'updated', 'lastActivity'])
    if (field in o) assert.match(String(o[field]), DATE_TIME, `${where}.${field} is a date-time`);
  for (const field of ['id', 'applicationId', 'campaignId', 'rulesetId', 'ruleIndex', 'updateCount']) {
    if (field in o) assert.ok(Number.isInteger(o[field]), `${where}.${field} is an integer`);
  }
  return o;
}
function each(kind: string, list: unknown, where: string): Obj[] {
  assert.ok(Array.isArray(list), `${where}: an array`);
  return list.map((v, i) => has(kind, v, `${where}[${i}]`));
}
function session(value: unknown, where: string): void {
  const s = has('CustomerSessionV2', value, where);
  each('CartItem', s['cartItems'], `${where}.cartItems`);
}
function state(value: unknown, where: string, expectAll: readonly string[]): Obj {
  const st = has('IntegrationStateV2', value, where);
  each('Effect', st['effects'], `${where}.effects`);
  for (const what of expectAll) assert.ok(what in st, `${where}: responseContent ${what} is answered`);
  if (st['customerSession']) session(st['customerSession'], `${where}.customerSession`);
  if (st['customerProfile']) has('CustomerProfile', st['customerProfile'], `${where}.customerProfile`);
  if (st['coupons']) each('IntegrationCoupon', st['coupons'], `${where}.coupons`);
  if (st['triggeredCampaigns']) each('Campaign', st['triggeredCampaigns'], `${where}.triggeredCampaigns`);
  if (st['referral']) has('InventoryReferral', st['referral'], `${where}.referral`);
  if (st['loyalty']) {
    const l = has('Loyalty', st['loyalty'], `${where}.loyalty`);
    for (const [k, p] of Object.entries(l['programs'] as Obj))
      has(
        'LedgerInfo',
        has('LoyaltyProgramLedgers', p, `${where}.loyalty.programs.${k}`)['ledger'],
        `${where}.loyalty.programs.${k}.ledger`,
      );
    if (l['cards']) each('LoyaltyCard', l['cards'], `${where}.loyalty.cards`);
  }
  if (st['event']) each('Effect', has('Event', st['event'], `${where}.event`)['effects'], `${where}.event.effects`);
  if (st['ruleFailureReasons']) each('RuleFailureReason', st['ruleFailureReasons'], `${where}.ruleFailureReasons`);
  if (st['return']) has('Return', st['return'], `${where}.return`);
  if (st['previousReturns']) each('Return', st['previousReturns'], `${where}.previousReturns`);
  return st;
}
function error(value: unknown, where: string): void {
  const e = has('ErrorResponse', value, where);
  each('APIError', e['errors'], `${where}.errors`);
}

test('every answer has the fields the schema requires, with every responseContent', () => {
  const core = createTargetCore();
  const call = (method: string, path: string, body?: unknown) => core.handle({ method, path, query: {}, body });
  const full = {
    profileId: 'p1',
    couponCodes: ['CLVALID001', 'NOPE'],
    referralCode: 'RFFRIEND01',
    loyaltyCards: ['CARD1'],
    cartItems: [
      { sku: 'A', quantity: 2, price: 50 },
      { sku: 'B', quantity: 1, price: 30 },
    ],
    additionalCosts: { shipping: { price: 5 } },
  };
  const put = call('PUT', '/v2/customer_sessions/s', { customerSession: full, responseContent: RESPONSE_CONTENT });
  assert.equal(put.status, 200);
  const opened = state(put.body, 'update', RESPONSE_CONTENT);
  assert.ok(
    (opened['triggeredCampaigns'] as unknown[]).length >= 3,
    'coupon, referral and shipping campaigns triggered',
  );
  assert.ok((opened['ruleFailureReasons'] as unknown[]).length >= 1, 'the unknown coupon failed a rule');

  const close = call('PUT', '/v2/customer_sessions/s', {
    customerSession: { state: 'closed' },
    responseContent: RESPONSE_CONTENT,
  });
  state(close.body, 'close', RESPONSE_CONTENT);

  const ret = call('POST', '/v2/customer_sessions/s/returns', {
    return: { returnedCartItems: [{ position: 0, quantity: 1 }] },
    responseContent: RETURN_RESPONSE_CONTENT,
  });
  assert.equal(ret.status, 200);
  const returned = state(ret.body, 'returns', ['return', 'customerSession', 'previousReturns']);
  assert.ok(returned['return']);

  const get = call('GET', '/v2/customer_sessions/s');
  assert.equal(get.status, 200);
  const g = get.body as Obj;
  session(g['customerSession'], 'get.customerSession');
  each('Effect', g['effects'], 'get.effects');

  call('PUT', '/v2/customer_sessions/r', {
    customerSession: { state: 'closed', couponCodes: ['CLVALID001'], cartItems: [{ sku: 'A', quantity: 1, price: 9 }] },
  });
  const reopen = call('PUT', '/v2/customer_sessions/r/reopen');
  assert.equal(reopen.status, 200);
  each('Effect', has('ReopenSessionResponse', reopen.body, 'reopen')['effects'], 'reopen.effects');

  const minimal = call('PUT', '/v2/customer_sessions/m', { customerSession: {} });
  assert.deepEqual(
    Object.keys(state(minimal.body, 'minimal', [])).sort(),
    ['createdCoupons', 'createdReferrals', 'effects'],
    'without responseContent only the required fields',
  );

  error(call('PUT', '/v2/customer_sessions/e', { customerSession: { state: 'nope' } }).body, '400');
  error(call('GET', '/v2/customer_sessions/unknown').body, '404');
  error(call('PUT', '/v2/customer_sessions/s/reopen').body, '400 transition');
});
