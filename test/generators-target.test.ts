// Generated plans run against the local target: every step answered 200, every session in the
// state its plan expects, valid codes accepted and invalid ones rejected.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { request } from 'undici';
import type { Effect, IntegrationRequest, IntegrationStateV2 } from '../model/api.ts';
import type { SessionPlan } from '../model/plan.ts';
import { createPlanner } from '../generators/planner.ts';
import { buildPools } from '../generators/pools.ts';
import { PRESET_NAMES } from '../generators/profiles.ts';
import { createTargetCore, type TargetCore } from '../emulator/core/index.ts';
import { startTarget } from '../emulator/server/index.ts';

const pools = buildPools({ seed: 2, sizes: { products: 1200 } });
const validCoupons = new Set(Array.from(pools.validCoupons));

/** Runs a plan through the core step by step; returns the coupon effects seen. */
function runPlan(core: TargetCore, plan: SessionPlan): Effect[] {
  const couponEffects: Effect[] = [];
  for (const [i, s] of plan.steps.entries()) {
    const r = core.handle({ method: s.method, path: s.path, query: s.query ?? {}, body: s.body });
    // The messages are built only on a failure: for each of some 30,000 steps they cost more than the step.
    if (r.status !== 200)
      assert.fail(
        `${plan.sessionId} step ${i} ${s.step} (${plan.kind}): ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`,
      );
    if (s.expect && core.session(plan.sessionId)?.state !== s.expect)
      assert.equal(core.session(plan.sessionId)?.state, s.expect, `${plan.sessionId} step ${i} ${s.step}`);
    if (s.step === 'dry') assert.equal(core.session(plan.sessionId), undefined, 'a dry run stores nothing');
    const effects = (r.body as IntegrationStateV2).effects ?? [];
    for (const e of effects)
      if (e.effectType === 'acceptCoupon' || e.effectType === 'rejectCoupon') couponEffects.push(e);
  }
  return couponEffects;
}

test('plans of every preset run against the target core: all 200, every expected state reached', () => {
  for (const profile of PRESET_NAMES) {
    const big = profile === 'big-carts';
    for (const seed of big ? [1, 2] : [1, 2, 3, 4]) {
      const core = createTargetCore();
      const planner = createPlanner({ pools, profile, seed });
      const kinds = new Set<string>();
      for (let i = 0; i < (big ? 25 : 300); i++) {
        const plan = planner.plan(i);
        kinds.add(plan.kind);
        runPlan(core, plan);
      }
      if (!big) assert.ok(kinds.size >= 6, `${profile} seed ${seed}: only ${[...kinds].join(', ')}`);
    }
  }
});

test('valid pool coupons are accepted by the target and invalid ones rejected', () => {
  const core = createTargetCore();
  const planner = createPlanner({ pools, profile: 'coupon-heavy', seed: 8 });
  let accepted = 0;
  let rejected = 0;
  for (let i = 0; i < 300; i++) {
    for (const e of runPlan(core, planner.plan(i))) {
      const code = String(e.props['value']);
      if (e.effectType === 'acceptCoupon') {
        accepted++;
        assert.ok(validCoupons.has(code), `accepted ${code}`);
      } else if (!validCoupons.has(code)) rejected++;
    }
  }
  assert.ok(accepted > 100 && rejected > 20, `accepted ${accepted}, rejected ${rejected}`);
});

test('generated sessions over HTTP: the local target answers 200 to every step', async () => {
  const target = await startTarget({ port: 0, host: '127.0.0.1', apiKey: 'test-key' });
  try {
    const planner = createPlanner({ pools, profile: 'returns-heavy', seed: 5 });
    let steps = 0;
    for (let i = 0; i < 20; i++) {
      const plan = planner.plan(i);
      for (const s of plan.steps) {
        const query = s.query ? `?${new URLSearchParams(s.query).toString()}` : '';
        const res = await request(`${target.url}${s.path}${query}`, {
          method: s.method,
          headers: {
            authorization: 'ApiKey-v1 test-key',
            ...(s.body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: s.body === undefined ? undefined : JSON.stringify(s.body),
        });
        const text = await res.body.text();
        assert.equal(res.statusCode, 200, `${plan.sessionId} ${s.step}: ${text.slice(0, 300)}`);
        if (s.expect && s.step !== 'reopen') {
          const cs = (JSON.parse(text) as IntegrationStateV2).customerSession;
          assert.equal(cs?.state, s.expect, `${plan.sessionId} ${s.step}`);
        }
        steps++;
      }
      const open = plan.steps[0]!.body as IntegrationRequest;
      assert.ok(open.customerSession.cartItems!.length > 0);
    }
    assert.ok(steps > 60);
  } finally {
    await target.close();
  }
});
