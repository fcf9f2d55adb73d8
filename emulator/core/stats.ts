// The core's counters, reported by GET /__stats (the server adds its own: 401s, 409s, knobs).
export interface CoreStats {
  requests: number;
  /** Counts by endpoint name (model/plan.ts ENDPOINTS, or "other") and then by status. */
  byEndpoint: Record<string, Record<string, number>>;
  byStatus: Record<string, number>;
  /** Successful state changes, "from->to"; creations are "new->open" and "new->closed". */
  transitions: Record<string, number>;
  dryRuns: number;
  sessionsCreated: number;
  sessionsStored: number;
  sessionsEvicted: number;
  profilesStored: number;
  returns: number;
  coupons: { accepted: number; rejected: number; redeemed: number; released: number };
  referrals: { accepted: number; rejected: number; redeemed: number; released: number };
  loyaltyPoints: { awarded: number; rolledBack: number };
}

export function emptyStats(): CoreStats {
  return {
    requests: 0,
    byEndpoint: {},
    byStatus: {},
    transitions: {},
    dryRuns: 0,
    sessionsCreated: 0,
    sessionsStored: 0,
    sessionsEvicted: 0,
    profilesStored: 0,
    returns: 0,
    coupons: { accepted: 0, rejected: 0, redeemed: 0, released: 0 },
    referrals: { accepted: 0, rejected: 0, redeemed: 0, released: 0 },
    loyaltyPoints: { awarded: 0, rolledBack: 0 },
  };
}

export function bump(rec: Record<string, number>, key: string, by = 1): void {
  rec[key] = (rec[key] ?? 0) + by;
}
