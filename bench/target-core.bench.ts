// How fast the target's core answers, called directly as the k6 harness and generator tests call
// it, against the least any JSON API does with the same requests: JSON.parse of the body and
// JSON.stringify of an answer (the baseline, measured in the same run). Three rounds each,
// alternating, the best counts; BENCH_OPS (default 100,000) requests a round.
import { createTargetCore } from '../emulator/core/index.ts';

const OPS = Number(process.env['BENCH_OPS'] ?? 100_000);
const cart = Array.from({ length: 5 }, (_, i) => ({
  sku: `SKU-${i}`,
  quantity: 1 + (i % 3),
  price: 9.99 + i,
  category: 'shoes',
}));
const bodies = {
  open: JSON.stringify({
    customerSession: { profileId: 'bench', couponCodes: ['CLBENCH0001'], loyaltyCards: ['CARD1'], cartItems: cart },
  }),
  close: JSON.stringify({ customerSession: { state: 'closed' } }),
  ret: JSON.stringify({ return: { returnedCartItems: [{ position: 0, quantity: 1 }] } }),
};
const minimalAnswer = { effects: [], createdCoupons: [], createdReferrals: [] };

function baseline(n: number): number {
  const t = performance.now();
  for (let i = 0; i < n; i += 3) {
    JSON.stringify({ ...minimalAnswer, echo: JSON.parse(bodies.open) });
    JSON.stringify({ ...minimalAnswer, echo: JSON.parse(bodies.close) });
    JSON.stringify({ ...minimalAnswer, echo: JSON.parse(bodies.ret) });
  }
  return performance.now() - t;
}

function lifecycle(n: number): number {
  // A store of the size a long run reaches, so eviction is part of the cost.
  const core = createTargetCore({ maxSessions: 20_000 });
  const t = performance.now();
  for (let i = 0; i < n; i += 3) {
    const path = `/v2/customer_sessions/b${i}`;
    JSON.stringify(core.handle({ method: 'PUT', path, query: {}, body: JSON.parse(bodies.open) }).body);
    JSON.stringify(core.handle({ method: 'PUT', path, query: {}, body: JSON.parse(bodies.close) }).body);
    const r = core.handle({ method: 'POST', path: `${path}/returns`, query: {}, body: JSON.parse(bodies.ret) });
    if (r.status !== 200) throw new Error(`unexpected ${r.status}: ${JSON.stringify(r.body)}`);
    JSON.stringify(r.body);
  }
  return performance.now() - t;
}

let base = Infinity;
let core = Infinity;
for (let round = 0; round < 3; round++) {
  base = Math.min(base, baseline(OPS));
  core = Math.min(core, lifecycle(OPS));
}
const rate = (ms: number) => Math.round((OPS / ms) * 1000);
console.log(`target core, ${OPS} requests a round (open with 5 items + coupon + card, close, return), best of 3`);
console.log(`  baseline JSON.parse + JSON.stringify   ${rate(base).toString().padStart(8)} req/s`);
console.log(
  `  core.handle() + JSON                   ${rate(core).toString().padStart(8)} req/s   ratio ${(base / core).toFixed(2)}`,
);
