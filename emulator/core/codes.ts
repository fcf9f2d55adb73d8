// Which coupon and referral codes exist, and how often each has been redeemed. Redemptions are
// consumed when a session closes and given back when it is cancelled or reopened, as Talon.One
// does with coupon budgets.
import { fnv1a } from '../../model/hash.ts';
import type { CodeSpec } from './config.ts';

export interface CodeEntry {
  id: number;
  code: string;
  /** 0 = unlimited. */
  usageLimit: number;
  usageCounter: number;
}

export type CodeCheck =
  | { ok: true; entry: CodeEntry }
  | { ok: false; reason: 'not-found' | 'limit-reached'; entry?: CodeEntry };

/** A stable numeric ID for a pattern code, so answers repeat across runs. */
function stableId(code: string): number {
  return fnv1a(code) + 1;
}

export class CodeBook {
  private readonly listed?: Map<string, CodeEntry>;
  private readonly pattern?: RegExp;

  constructor(pattern: string, list?: readonly CodeSpec[]) {
    if (list) {
      this.listed = new Map();
      list.forEach((c, i) =>
        this.listed!.set(c.code, { id: i + 1, code: c.code, usageLimit: c.usageLimit ?? 0, usageCounter: 0 }),
      );
    } else {
      this.pattern = new RegExp(pattern);
    }
  }

  get size(): number | undefined {
    return this.listed?.size;
  }

  private find(code: string): CodeEntry | undefined {
    if (this.listed) return this.listed.get(code);
    if (!this.pattern!.test(code)) return undefined;
    // Pattern codes are unlimited and not counted one by one: a soak test with fresh codes would
    // otherwise grow a counter map without bound (the stats count redemptions in total).
    return { id: stableId(code), code, usageLimit: 0, usageCounter: 0 };
  }

  /** Whether a session may use the code; `held` = this session already holds a redemption of it. */
  check(code: string, held: boolean): CodeCheck {
    const entry = this.find(code);
    if (!entry) return { ok: false, reason: 'not-found' };
    if (!held && entry.usageLimit > 0 && entry.usageCounter >= entry.usageLimit)
      return { ok: false, reason: 'limit-reached', entry };
    return { ok: true, entry };
  }

  redeem(code: string): void {
    const entry = this.find(code);
    if (!entry) return;
    entry.usageCounter++;
  }

  release(code: string): void {
    const entry = this.find(code);
    if (!entry || entry.usageCounter === 0) return;
    entry.usageCounter--;
  }
}
