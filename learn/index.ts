// `cartload learn` as a library: a recording in, a traffic profile (format version 2) out. The
// recording is streamed in constant memory (read.ts), folded into distributions (fold.ts) and
// written as a profile over a preset (profile.ts), checked by the same validation every profile
// passes, with what-if edits applied on top when asked.
import { editProfile } from '../generators/profile-edit.ts';
import { ProfileError, resolveProfile, type ProfileInput } from '../generators/profiles.ts';
import type { RecordingFormat, RowIssue } from '../recordings/events.ts';
import { CartloadError } from '../model/errors.ts';
import { foldRecording, type FoldStats } from './read.ts';
import { buildProfile, type LearnNote } from './profile.ts';

export type { LearnNote } from './profile.ts';
export type { FoldStats } from './read.ts';

export interface LearnOptions {
  /** A path ('.gz' is decompressed), or '-' for standard input. */
  file: string;
  stdin?: NodeJS.ReadableStream;
  format?: RecordingFormat;
  /** 'abort' (default) stops at the first bad row; 'skip' counts it and goes on. */
  onError?: 'skip' | 'abort';
  onIssue?: (issue: RowIssue) => void;
  /** Regular expressions of valid coupon and referral codes, for recordings without answers. */
  validCoupons?: string;
  validReferrals?: string;
  /** A request log's session ends after this long without a request (recorded time; default 30 min). */
  sessionIdleMs?: number;
  /** At most this many sessions open at once (default 200,000). */
  maxOpenSessions?: number;
  /** Width of the arrival curve's buckets, dividing a day (default 15 minutes). */
  bucketMinutes?: number;
  /** The preset that fields the recording cannot say come from (default `default`). */
  base?: string;
  name?: string;
  minCategorySessions?: number;
  maxCategories?: number;
  minTransitionSamples?: number;
  /** What-if edits applied to the learned profile (`couponShare=0.8`). */
  set?: readonly string[];
  signal?: AbortSignal;
}

export interface LearnResult {
  /** The profile file's content. */
  profile: ProfileInput;
  notes: LearnNote[];
  stats: FoldStats;
  sessions: number;
  /** Requests per step name in the recording. */
  stepMix: Record<string, number>;
}

/** Bad learn options (a pattern that is not a regular expression, a bucket that does not divide a day). */
export class LearnError extends CartloadError {
  constructor(message: string) {
    super(message);
    this.name = 'LearnError';
  }
}

function pattern(option: string, source: string | undefined): RegExp | undefined {
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch (err) {
    throw new LearnError(`${option} ${source}: not a regular expression (${(err as Error).message})`);
  }
}

export async function learnProfile(o: LearnOptions): Promise<LearnResult> {
  const bucketMinutes = o.bucketMinutes ?? 15;
  if (!Number.isInteger(bucketMinutes) || bucketMinutes < 1 || 1440 % bucketMinutes !== 0)
    throw new LearnError(`--bucket ${bucketMinutes}: must be whole minutes that divide a day (5, 10, 15, 30, 60, ...)`);
  const idle = o.sessionIdleMs ?? 30 * 60_000;
  if (!(idle > 0)) throw new LearnError('--session-idle: must be a duration above 0');
  const maxOpen = o.maxOpenSessions ?? 200_000;
  if (!Number.isInteger(maxOpen) || maxOpen < 1)
    throw new LearnError('--max-open-sessions: must be a whole number of at least 1');
  const base = o.base ?? 'default';
  try {
    resolveProfile(base);
  } catch (err) {
    throw new LearnError(`--base: ${(err as Error).message.replace(/^profile: /, '')}`);
  }
  const judge = {
    validCoupon: pattern('--valid-coupons', o.validCoupons),
    validReferral: pattern('--valid-referrals', o.validReferrals),
  };
  const { folded, categories, stats } = await foldRecording({
    file: o.file,
    ...(o.stdin ? { stdin: o.stdin } : {}),
    ...(o.format ? { format: o.format } : {}),
    onError: o.onError ?? 'abort',
    ...(o.onIssue ? { onIssue: o.onIssue } : {}),
    judge,
    sessionIdleMs: idle,
    maxOpenSessions: maxOpen,
    bucketMinutes,
    ...(o.signal ? { signal: o.signal } : {}),
  });
  if (folded.sessions === 0)
    throw new LearnError(
      `${o.file}: no sessions to learn from${stats.skippedRows > 0 ? ` (${stats.skippedRows} bad rows skipped)` : ''}`,
    );
  const built = buildProfile(folded, categories, stats, {
    base,
    name: o.name ?? 'learned',
    minCategorySessions: o.minCategorySessions ?? 5,
    maxCategories: o.maxCategories ?? 50,
    minTransitionSamples: o.minTransitionSamples ?? 20,
  });
  let profile = built.profile;
  // Whatever was learned must read back as a profile; an edit error names the edit.
  const resolved = resolveProfile(profile);
  if (o.set && o.set.length > 0) {
    try {
      const edited = editProfile(resolved, o.set);
      profile = {
        version: profile.version,
        ...JSON.parse(JSON.stringify(edited)),
        description: profile.description,
      } as ProfileInput;
    } catch (err) {
      if (err instanceof ProfileError) throw new LearnError(err.message);
      throw err;
    }
  }
  return {
    profile,
    notes: built.notes,
    stats,
    sessions: folded.sessions,
    stepMix: Object.fromEntries([...folded.stepMix.entries()].sort()),
  };
}
