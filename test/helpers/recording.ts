// A recording with known parameters, made with the generators' library: session plans from a
// profile, started on a known arrival curve, written as a request log (the CSV `cartload generate`
// writes). Shared by the learn tests and the learn bench. Also the facts a test compares: samples
// and shares read straight from plans, independently of the learner.
import { Readable } from 'node:stream';
import { createPlanner } from '../../generators/planner.ts';
import type { TrafficProfile } from '../../generators/profiles.ts';
import type { Pools } from '../../generators/types.ts';
import { learnProfile, type LearnOptions, type LearnResult } from '../../learn/index.ts';
import { DEFAULT_VALID_COUPON_PATTERN } from '../../model/conventions.ts';
import type { SessionPlan } from '../../model/plan.ts';
import { REQUEST_LOG_COLUMNS, planToRequestLogRecords, requestLogCsv } from '../../recordings/request-log.ts';

/** Sessions per second, bucket by bucket, from `startMs`. */
export interface KnownCurve {
  startMs: number;
  bucketMs: number;
  rates: number[];
}

/** Session i's start: where the curve's cumulative arrivals reach i (evenly spaced within a bucket). */
export function curveStart(curve: KnownCurve, i: number): number | undefined {
  let before = 0;
  for (let b = 0; b < curve.rates.length; b++) {
    const n = ((curve.rates[b] as number) * curve.bucketMs) / 1000;
    if (i < before + n) return curve.startMs + b * curve.bucketMs + ((i - before) / n) * curve.bucketMs;
    before += n;
  }
  return undefined;
}

export function curveSessions(curve: KnownCurve): number {
  return Math.round(curve.rates.reduce((s, r) => s + (r * curve.bucketMs) / 1000, 0));
}

export interface Recording {
  plans: SessionPlan[];
  /** The request-log CSV, header first. */
  csv: string;
}

export interface RecordingOptions {
  pools: Pools;
  profile: TrafficProfile;
  seed: number;
  sessions: number;
  start: (i: number) => number;
}

/**
 * `sessions` plans of `profile` (seed `seed`), session i started at `start(i)`, as a request log.
 * Written by the request-log writer `cartload generate` uses (the same bytes as csv-stringify, as
 * generators-generate.test.ts checks, at a fraction of its CPU).
 */
export function makeRecording(o: RecordingOptions & { keepPlans?: boolean }): Recording {
  const planner = createPlanner({ pools: o.pools, profile: o.profile, seed: o.seed });
  // Kept as bytes until the end: each plan's text is a rope of its cells, and thousands of ropes
  // held at once cost the garbage collector more than writing the text (twice the time, measured).
  const parts: Buffer[] = [Buffer.from(requestLogCsv([REQUEST_LOG_COLUMNS]))];
  const plans: SessionPlan[] = [];
  for (let i = 0; i < o.sessions; i++) {
    const plan = planner.plan(i);
    if (o.keepPlans !== false) plans.push(plan);
    parts.push(Buffer.from(requestLogCsv(planToRequestLogRecords(plan, Math.round(o.start(i))))));
  }
  return { plans, csv: Buffer.concat(parts).toString() };
}

/**
 * The same request log as makeRecording's, made as it is read, in chunks of about 64 KB (a pipe's;
 * 256 KB chunks cost the whole learning about a fifth more CPU, measured): a large recording is
 * never held whole (as text or as plans), which would cost its reader's garbage collector more
 * than the reading. `onPlan` sees each plan as its rows are made.
 */
export function streamRecording(o: RecordingOptions & { onPlan?: (plan: SessionPlan) => void }): Readable {
  const planner = createPlanner({ pools: o.pools, profile: o.profile, seed: o.seed });
  return Readable.from(
    (function* (): Generator<string> {
      let chunk = requestLogCsv([REQUEST_LOG_COLUMNS]);
      for (let i = 0; i < o.sessions; i++) {
        const plan = planner.plan(i);
        o.onPlan?.(plan);
        chunk += requestLogCsv(planToRequestLogRecords(plan, Math.round(o.start(i))));
        if (chunk.length >= 64 * 1024) {
          yield chunk;
          chunk = '';
        }
      }
      yield chunk;
    })(),
    { objectMode: false },
  );
}

/** What the tests compare between a recording and a run from its learned profile, read from plans. */
export interface PlanFacts {
  sessions: number;
  kinds: Map<string, number>;
  steps: Map<string, number>;
  cartSizes: number[];
  units: number[];
  prices: number[];
  categories: Map<string, number>;
  /** Gaps between consecutive steps, all and by "from>to". */
  gaps: number[];
  gapsBy: Map<string, number[]>;
  shares: {
    coupons: number;
    invalidCoupons: number;
    referral: number;
    loyalty: number;
    identifiers: number;
    shipping: number;
    get: number;
  };
  /** Sessions per profile ID (over the sessions given). */
  perProfile: Map<string, number>;
}

interface Body {
  customerSession?: {
    cartItems?: { quantity: number; price?: number; category?: string }[];
    couponCodes?: string[];
    referralCode?: string;
    loyaltyCards?: string[];
    identifiers?: string[];
    additionalCosts?: unknown;
    profileId?: string;
  };
}

export function planFacts(plans: Iterable<SessionPlan>, validCoupon: RegExp): PlanFacts {
  const facts = planFactsOf(validCoupon);
  for (const p of plans) facts.add(p);
  return facts.done();
}

/** planFacts one plan at a time: `add` each plan, then `done` once for the facts. */
export function planFactsOf(validCoupon: RegExp): { add(p: SessionPlan): void; done(): PlanFacts } {
  const f: PlanFacts = {
    sessions: 0,
    kinds: new Map(),
    steps: new Map(),
    cartSizes: [],
    units: [],
    prices: [],
    categories: new Map(),
    gaps: [],
    gapsBy: new Map(),
    shares: { coupons: 0, invalidCoupons: 0, referral: 0, loyalty: 0, identifiers: 0, shipping: 0, get: 0 },
    perProfile: new Map(),
  };
  const add = <K>(m: Map<K, number>, k: K): void => void m.set(k, (m.get(k) ?? 0) + 1);
  let codes = 0;
  let nonDry = 0;
  const add1 = (p: SessionPlan): void => {
    f.sessions++;
    add(f.kinds, p.kind);
    if (p.profileId) add(f.perProfile, p.profileId);
    const seen = new Set<string>();
    let referral = false;
    let loyalty = false;
    let identifiers = false;
    let shipping = false;
    for (let i = 0; i < p.steps.length; i++) {
      const s = p.steps[i]!;
      add(f.steps, s.step);
      if (i > 0) {
        const prev = p.steps[i - 1]!;
        const gap = (s.at ?? 0) - (prev.at ?? 0);
        f.gaps.push(gap);
        const key = `${prev.step}>${s.step}`;
        const list = f.gapsBy.get(key);
        if (list) list.push(gap);
        else f.gapsBy.set(key, [gap]);
      }
      const cs = (s.body as Body | undefined)?.customerSession;
      if (!cs) continue;
      for (const c of cs.couponCodes ?? []) seen.add(c);
      if (cs.referralCode) referral = true;
      if (cs.loyaltyCards?.length) loyalty = true;
      if (cs.identifiers?.length) identifiers = true;
      if (cs.additionalCosts) shipping = true;
    }
    if (seen.size > 0) {
      f.shares.coupons++;
      codes += seen.size;
      for (const c of seen) if (!validCoupon.test(c)) f.shares.invalidCoupons++;
    }
    if (referral) f.shares.referral++;
    if (loyalty) f.shares.loyalty++;
    if (identifiers) f.shares.identifiers++;
    if (shipping) f.shares.shipping++;
    if (p.kind !== 'dry') {
      nonDry++;
      if (p.steps[p.steps.length - 1]?.step === 'get') f.shares.get++;
    }
    // The cart checked out or cancelled with, else the last one.
    const end = p.steps.findIndex((s) => ['close', 'cancel', 'return', 'reopen'].includes(s.step));
    let cart = end === -1 ? undefined : (p.steps[end]!.body as Body | undefined)?.customerSession?.cartItems;
    for (let i = (end === -1 ? p.steps.length : end) - 1; i >= 0 && !cart; i--)
      cart = (p.steps[i]!.body as Body | undefined)?.customerSession?.cartItems;
    if (!cart) return;
    f.cartSizes.push(cart.length);
    for (const item of cart) {
      f.units.push(item.quantity);
      if (item.price !== undefined) f.prices.push(item.price);
      if (item.category) add(f.categories, item.category);
    }
  };
  const done = (): PlanFacts => {
    const n = f.sessions;
    f.shares.invalidCoupons = codes === 0 ? 0 : f.shares.invalidCoupons / codes;
    f.shares.coupons /= n;
    f.shares.referral /= n;
    f.shares.loyalty /= n;
    f.shares.identifiers /= n;
    f.shares.shipping /= n;
    f.shares.get = nonDry === 0 ? 0 : f.shares.get / nonDry;
    return f;
  };
  return { add: add1, done };
}

/** The two-sample Kolmogorov–Smirnov statistic: the largest gap between the two empirical CDFs. */
export function ks(a: readonly number[], b: readonly number[]): number {
  // Typed arrays sort numerically without a comparator call per comparison.
  const x = Float64Array.from(a).sort();
  const y = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < x.length && j < y.length) {
    const v = Math.min(x[i]!, y[j]!);
    while (i < x.length && x[i]! <= v) i++;
    while (j < y.length && y[j]! <= v) j++;
    d = Math.max(d, Math.abs(i / x.length - j / y.length));
  }
  return d;
}

/** Shares of a count map. */
export function shares(m: Map<string, number>): Map<string, number> {
  let total = 0;
  for (const v of m.values()) total += v;
  return new Map([...m].map(([k, v]) => [k, v / total]));
}

/**
 * Learns a profile from a recording's CSV text, read as `cartload learn -` reads standard input: in
 * 64 KB pieces, a pipe's (handed over whole, the text cost the learning about 15% more CPU, measured).
 */
export function learnFromCsv(csv: string, o: Omit<LearnOptions, 'file' | 'stdin'> = {}): Promise<LearnResult> {
  const pieces = (function* (): Generator<string> {
    for (let at = 0; at < csv.length; ) {
      let end = at + 64 * 1024;
      // Never between the two halves of a surrogate pair: each piece is encoded on its own.
      if ((csv.charCodeAt(end) & 0xfc00) === 0xdc00) end++;
      yield csv.slice(at, end);
      at = end;
    }
  })();
  return learnProfile({ ...o, file: '-', stdin: Readable.from(pieces, { objectMode: false }) });
}

/** A recording made as makeRecording does, learned as `cartload learn` does with its default coupon pattern. */
export function learnRecording(o: RecordingOptions): Promise<LearnResult> {
  return learnFromCsv(makeRecording({ ...o, keepPlans: false }).csv, { validCoupons: DEFAULT_VALID_COUPON_PATTERN });
}
