// `cartload learn <recording>`: a traffic profile learned from a Talon.One session export or a
// request log, for `cartload run --profile` (with --rate-scale to follow the recorded arrivals).
import type { Argv } from 'yargs';
import { parseK6Duration } from '../../model/duration.ts';
import type { RecordingFormat, RowIssue } from '../../recordings/events.ts';
import { runLearn } from '../../orchestrate/learn.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';

interface LearnArgs {
  recording: string;
  out?: string;
  format?: RecordingFormat;
  onError: 'skip' | 'abort';
  validCoupons?: string;
  validReferrals?: string;
  sessionIdle: string;
  maxOpenSessions: number;
  bucket: number;
  base: string;
  name: string;
  minCategorySessions: number;
  set?: string[];
  quiet: boolean;
}

function issuePrinter(max = 20): (issue: RowIssue) => void {
  let n = 0;
  return (issue) => {
    n++;
    if (n <= max) console.error(`skipped ${issue.message}`);
    else if (n === max + 1) console.error('more rows skipped (counted in the report below)');
  };
}

export default defineCommand<LearnArgs>({
  command: 'learn <recording>',
  describe: 'Learn a traffic profile (mix, carts, codes, think times, repeat customers, arrivals over the day) from a session export or request log',
  builder: (y) =>
    y
      .positional('recording', { type: 'string', describe: 'The recording: a CSV file, a .csv.gz, or - for standard input' })
      .option('out', { alias: 'o', type: 'string', describe: 'The profile file to write (default standard output)' })
      .option('format', { choices: ['export', 'request-log'] as const, describe: 'The recording format (default: detected from the header)' })
      .option('on-error', { choices: ['skip', 'abort'] as const, default: 'abort' as const, describe: 'A bad row stops the run (abort), or is reported and left out (skip)' })
      .option('valid-coupons', { type: 'string', describe: 'Regular expression of valid coupon codes, when the recording has no answers to tell rejected ones' })
      .option('valid-referrals', { type: 'string', describe: 'Regular expression of valid referral codes, likewise' })
      .option('session-idle', { type: 'string', default: '30m', describe: 'A request log\'s session ends after this long without a request (recorded time)' })
      .option('max-open-sessions', { type: 'number', default: 200_000, describe: 'Sessions held open at once at most; beyond it the longest-open are finished early' })
      .option('bucket', { type: 'number', default: 15, describe: 'Minutes per bucket of the arrival curve (must divide a day)' })
      .option('base', { type: 'string', default: 'default', describe: 'The preset that supplies what the recording cannot say' })
      .option('name', { type: 'string', default: 'learned', describe: 'The profile\'s name (shown in run summaries)' })
      .option('min-category-sessions', { type: 'number', default: 5, describe: 'Write a category name only if this many sessions had it' })
      .option('set', { type: 'string', array: true, describe: 'What-if edit baked into the profile, key=value (repeatable; see docs/learn.md)' })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'No report on stderr' }) as unknown as Argv<LearnArgs>,
  run: async (a) => {
    const idle = parseK6Duration(a.sessionIdle);
    if ('error' in idle || idle.ms <= 0) throw new UsageError(`--session-idle ${a.sessionIdle}: use a duration such as 30m or 1h`);
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      const r = await runLearn({
        file: a.recording,
        ...(a.out !== undefined ? { out: a.out } : {}),
        ...(a.format ? { format: a.format } : {}),
        onError: a.onError,
        onIssue: issuePrinter(),
        ...(a.validCoupons !== undefined ? { validCoupons: a.validCoupons } : {}),
        ...(a.validReferrals !== undefined ? { validReferrals: a.validReferrals } : {}),
        sessionIdleMs: idle.ms,
        maxOpenSessions: a.maxOpenSessions,
        bucketMinutes: a.bucket,
        base: a.base,
        name: a.name,
        minCategorySessions: a.minCategorySessions,
        ...(a.set ? { set: a.set } : {}),
        stdout: process.stdout,
        signal: controller.signal,
      });
      if (!a.quiet) {
        const s = r.stats;
        console.error(
          `learned from ${r.sessions} sessions, ${s.requests} requests (${s.format}, ${s.rows} rows${s.skippedRows > 0 ? `, ${s.skippedRows} bad rows skipped` : ''}${s.forced > 0 ? `, ${s.forced} sessions finished early at --max-open-sessions` : ''})`,
        );
        console.error(`requests per step: ${Object.entries(r.stepMix).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        for (const n of r.notes) console.error(`  ${n.kept ? 'kept   ' : 'learned'} ${n.field}: ${n.kept ? n.note.replace(/^kept from [^:]+: /, '') : n.note}`);
        console.error(`profile → ${r.out}${s.interrupted ? ' (interrupted: from the rows read so far)' : ''}`);
      }
      return r.stats.interrupted ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.off('SIGINT', interrupt);
    }
  },
});
