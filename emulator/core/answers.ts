// The 200 answers: IntegrationStateV2 with what `responseContent` asks for, in the shapes of
// Talon.One's schema (every field it marks required is present).
import type { CustomerSessionV2, Effect, IntegrationStateV2 } from '../../model/api.ts';
import type { CampaignDef, Campaigns } from './campaigns.ts';
import { LOYALTY_PROGRAM_ID } from './campaigns.ts';
import type { CodeEntry } from './codes.ts';
import type { TargetConfig } from './config.ts';
import type { Evaluation } from './rules.ts';

export interface ProfileRecord {
  id: number;
  integrationId: string;
  created: string;
  lastActivity: string;
  sessions: number;
  closedSessions: number;
  totalSales: number;
}

export interface ReturnRecord {
  id: number;
  created: string;
  applicationId: number;
  accountId: number;
  returnedCartItems: { position: number; quantity: number; sku: string }[];
  eventId: number;
  sessionId: number;
  sessionIntegrationId: string;
  profileIntegrationId: string;
}

export interface AnswerContext {
  config: TargetConfig;
  campaigns: Campaigns;
  /** When the target started: the creation time of its campaigns and codes. */
  epoch: string;
  profile(integrationId: string): ProfileRecord | undefined;
  balance(card: string): number;
  nextEventId(): number;
}

export interface AnswerParts {
  session: CustomerSessionV2;
  effects: Effect[];
  evaluation?: Evaluation;
  returns: readonly ReturnRecord[];
  ret?: ReturnRecord;
  nowIso: string;
  eventType: string;
}

const ACCOUNT_ID = 1;

function coupon(e: CodeEntry, campaignId: number, epoch: string): Record<string, unknown> {
  return {
    id: e.id,
    created: epoch,
    campaignId,
    value: e.code,
    usageLimit: e.usageLimit,
    usageCounter: e.usageCounter,
    profileRedemptionCount: 0,
  };
}

function campaign(c: CampaignDef, ctx: AnswerContext): Record<string, unknown> {
  return {
    id: c.id,
    created: ctx.epoch,
    applicationId: ctx.config.applicationId,
    userId: 1,
    name: c.name,
    description: c.ruleName,
    state: 'enabled',
    activeRulesetId: c.rulesetId,
    tags: [],
    reevaluateOnReturn: false,
    features: c.features,
    limits: [],
    type: 'advanced',
    frontendState: 'running',
    storesImported: false,
  };
}

function profileView(integrationId: string, ctx: AnswerContext, nowIso: string): Record<string, unknown> {
  const p = ctx.profile(integrationId);
  return {
    id: p?.id ?? 0,
    created: p?.created ?? nowIso,
    integrationId,
    attributes: {},
    accountId: ACCOUNT_ID,
    closedSessions: p?.closedSessions ?? 0,
    totalSales: p?.totalSales ?? 0,
    lastActivity: p?.lastActivity ?? nowIso,
  };
}

function ledger(balance: number): Record<string, number> {
  return {
    currentBalance: balance,
    pendingBalance: 0,
    expiredBalance: 0,
    spentBalance: 0,
    tentativeCurrentBalance: balance,
  };
}

export function integrationState(
  parts: AnswerParts,
  content: readonly string[] | undefined,
  ctx: AnswerContext,
): IntegrationStateV2 {
  const out: IntegrationStateV2 = { effects: parts.effects, createdCoupons: [], createdReferrals: [] };
  if (parts.ret) out.return = parts.ret;
  if (!content) return out;
  const s = parts.session;
  const ev = parts.evaluation;
  for (const what of content) {
    switch (what) {
      case 'customerSession':
        out.customerSession = s;
        break;
      case 'customerProfile':
        out.customerProfile = profileView(s.profileId, ctx, parts.nowIso);
        break;
      case 'coupons':
        out.coupons = (ev?.knownCoupons ?? []).map((e) => coupon(e, ctx.campaigns.coupon.id, ctx.epoch));
        break;
      case 'triggeredCampaigns':
        out.triggeredCampaigns = ev ? [...ev.triggered].map((c) => campaign(c, ctx)) : [];
        break;
      case 'referral':
        if (ev?.knownReferral) {
          const r = ev.knownReferral;
          out.referral = {
            id: r.id,
            created: ctx.epoch,
            campaignId: ctx.campaigns.referral.id,
            advocateProfileIntegrationId: 'cartload-advocate',
            code: r.code,
            usageCounter: r.usageCounter,
            usageLimit: r.usageLimit,
            referredCustomers: [],
          };
        }
        break;
      case 'loyalty': {
        const card = s.loyaltyCards?.[0];
        const balance = card === undefined ? 0 : ctx.balance(card);
        out.loyalty = {
          programs: {
            [String(LOYALTY_PROGRAM_ID)]: {
              id: LOYALTY_PROGRAM_ID,
              title: 'Points',
              name: 'points',
              ledger: ledger(balance),
            },
          },
          ...(card === undefined
            ? {}
            : {
                cards: [
                  {
                    id: 1,
                    created: ctx.epoch,
                    programID: LOYALTY_PROGRAM_ID,
                    status: 'active',
                    identifier: card,
                    usersPerCardLimit: 1,
                    ledger: ledger(balance),
                  },
                ],
              }),
        };
        break;
      }
      case 'event':
        out.event = {
          id: ctx.nextEventId(),
          created: parts.nowIso,
          applicationId: ctx.config.applicationId,
          profileId: s.profileId,
          type: parts.eventType,
          attributes: {},
          sessionId: s.integrationId,
          effects: parts.effects,
        };
        break;
      case 'awardedGiveaways':
        out.awardedGiveaways = [];
        break;
      case 'ruleFailureReasons':
        out.ruleFailureReasons = ev?.ruleFailureReasons ?? [];
        break;
      case 'previousReturns':
        out.previousReturns = parts.returns.filter((r) => r !== parts.ret);
        break;
    }
  }
  return out;
}
