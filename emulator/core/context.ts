// The core's state (stores, code books, counters) and the bookkeeping that several endpoints
// share: committing what a close consumes, giving it back, and keeping profiles current.
import type { CustomerSessionV2, Effect } from '../../model/api.ts';
import type { SessionState } from '../../model/limits.ts';
import type { AnswerContext, ProfileRecord, ReturnRecord } from './answers.ts';
import { builtInCampaigns, money, type Campaigns } from './campaigns.ts';
import { CodeBook } from './codes.ts';
import type { TargetConfig } from './config.ts';
import { rollbackEffects, type Commit, type Evaluation } from './rules.ts';
import { emptyStats, type CoreStats } from './stats.ts';
import { TieredLru } from './store.ts';

export interface SessionRecord {
  view: CustomerSessionV2;
  /** The effects of the session's last change, answered again by GET. */
  effects: Effect[];
  /** What the session consumed when it closed, while it stays closed (or partially returned). */
  commit?: Commit;
  returns: ReturnRecord[];
}

export interface CoreContext {
  config: TargetConfig;
  campaigns: Campaigns;
  coupons: CodeBook;
  referrals: CodeBook;
  sessions: TieredLru<SessionRecord>;
  profiles: TieredLru<ProfileRecord>;
  /** Loyalty points by card identifier. */
  balances: TieredLru<number>;
  stats: CoreStats;
  next: { session: number; profile: number; return: number; event: number };
  answers: AnswerContext;
}

const SETTLED: ReadonlySet<SessionState> = new Set(['closed', 'cancelled', 'partially_returned']);

export function createContext(config: TargetConfig): CoreContext {
  const campaigns = builtInCampaigns(config);
  const profiles = new TieredLru<ProfileRecord>(config.maxProfiles, () => true);
  const balances = new TieredLru<number>(config.maxProfiles, () => true);
  const next = { session: 1, profile: 1, return: 1, event: 1 };
  return {
    config,
    campaigns,
    coupons: new CodeBook(config.couponPattern, config.coupons),
    referrals: new CodeBook(config.referralPattern, config.referrals),
    sessions: new TieredLru<SessionRecord>(config.maxSessions, (r) => SETTLED.has(r.view.state)),
    profiles,
    balances,
    stats: emptyStats(),
    next,
    answers: {
      config,
      campaigns,
      epoch: new Date().toISOString(),
      profile: (id) => profiles.get(id),
      balance: (card) => balances.get(card) ?? 0,
      nextEventId: () => next.event++,
    },
  };
}

function addPoints(ctx: CoreContext, card: string, points: number): void {
  ctx.balances.set(card, (ctx.balances.get(card) ?? 0) + points);
}

/** Consumes what closing `view` commits: redemptions, loyalty points, the profile's sales. */
export function commitClose(ctx: CoreContext, view: CustomerSessionV2, ev: Evaluation): Commit {
  const commit: Commit = {
    discount: ev.discount,
    points: ev.points,
    profileId: view.profileId,
    itemTotal: view.cartItemTotal,
    returnedShare: 0,
    transactionUUID: `${view.integrationId}-${view.updateCount}`,
  };
  if (ev.acceptedCoupon) {
    commit.coupon = ev.acceptedCoupon;
    ctx.coupons.redeem(ev.acceptedCoupon.code);
    ctx.stats.coupons.redeemed++;
  }
  if (ev.acceptedReferral) {
    commit.referral = ev.acceptedReferral;
    ctx.referrals.redeem(ev.acceptedReferral.code);
    ctx.stats.referrals.redeemed++;
  }
  const card = view.loyaltyCards?.[0];
  if (card !== undefined && ev.points > 0) {
    commit.card = card;
    addPoints(ctx, card, ev.points);
    ctx.stats.loyaltyPoints.awarded += ev.points;
  }
  const p = ctx.profiles.get(view.profileId);
  if (p) {
    p.closedSessions++;
    p.totalSales = money(p.totalSales + view.cartItemTotal);
  }
  return commit;
}

/** Gives back `share` of a commit (points always; codes and the profile's sale when released) and says so in effects. */
export function rollBack(ctx: CoreContext, commit: Commit, share: number, releaseCodes: boolean): Effect[] {
  const effects = rollbackEffects(commit, share, ctx.campaigns, releaseCodes);
  const points = Math.floor(commit.points * share);
  if (commit.card !== undefined && points > 0) {
    addPoints(ctx, commit.card, -points);
    ctx.stats.loyaltyPoints.rolledBack += points;
  }
  if (releaseCodes) {
    if (commit.coupon) {
      ctx.coupons.release(commit.coupon.code);
      ctx.stats.coupons.released++;
    }
    if (commit.referral) {
      ctx.referrals.release(commit.referral.code);
      ctx.stats.referrals.released++;
    }
    const p = ctx.profiles.get(commit.profileId);
    if (p) {
      p.closedSessions = Math.max(0, p.closedSessions - 1);
      p.totalSales = money(p.totalSales - commit.itemTotal);
    }
  }
  return effects;
}

/** Records activity of a profile; true when this is the profile's first session. */
export function touchProfile(ctx: CoreContext, integrationId: string, nowIso: string, newSession: boolean): boolean {
  // Anonymous sessions (profileId "") belong to no profile; each is its own first session.
  if (integrationId === '') return true;
  let p = ctx.profiles.get(integrationId);
  const first = !p || p.sessions === 0;
  if (!p)
    p = {
      id: ctx.next.profile++,
      integrationId,
      created: nowIso,
      lastActivity: nowIso,
      sessions: 0,
      closedSessions: 0,
      totalSales: 0,
    };
  p.lastActivity = nowIso;
  if (newSession) p.sessions++;
  ctx.profiles.set(integrationId, p);
  return first;
}

export function countEvaluation(ctx: CoreContext, ev: Evaluation): void {
  if (ev.acceptedCoupon) ctx.stats.coupons.accepted++;
  ctx.stats.coupons.rejected += ev.rejectedCoupons;
  if (ev.acceptedReferral) ctx.stats.referrals.accepted++;
  ctx.stats.referrals.rejected += ev.rejectedReferrals;
}
