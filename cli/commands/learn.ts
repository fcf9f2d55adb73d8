// `cartload learn <recording>`: a traffic profile learned from a Talon.One session export or a
// request log, for `cartload run --profile` (with --rate-scale to follow the recorded arrivals).
// Every flag is checked before the recording is read; the library is loaded inside run().
import type { Argv } from 'yargs';
import type { RecordingFormat, RowIssue } from '../../recordings/events.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { durationFlag, wholeFlag } from '../flags.ts';

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

const FORMATS = ['export', 'request-log'] as const satisfies readonly RecordingFormat[];

function pattern(flag: string, source: string | undefined): void {
  if (source === undefined) return;
  try {
    new RegExp(source);
  } catch (err) {
    throw new UsageError(`--${flag} ${source}: not a regular expression (${(err as Error).message})`);
  }
}

export default defineCommand<LearnArgs>({
  command: 'learn <recording>',
  describe:
    'Learn a traffic profile (mix, carts, codes, think times, repeat customers, arrivals over the day) from a session export or request log',
  builder: (y) =>
    y
      .positional('recording', {
        type: 'string',
        describe: 'The recording: a CSV file, a .csv.gz, or - for standard input',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'The profile file to write (default: standard output, as with -)',
      })
      .option('format', { choices: FORMATS, describe: 'The recording format (default: detected from the header)' })
      .option('on-error', {
        choices: ['skip', 'abort'] as const,
        default: 'abort' as const,
        describe: 'A bad row stops the run (abort), or is reported and left out (skip)',
      })
      .option('valid-coupons', {
        type: 'string',
        describe: 'Regular expression of valid coupon codes, when the recording has no answers to tell rejected ones',
      })
      .option('valid-referrals', { type: 'string', describe: 'Regular expression of valid referral codes, likewise' })
      .option('session-idle', {
        type: 'string',
        default: '30m',
        describe: "A request log's session ends after this long without a request (recorded time)",
      })
      .option('max-open-sessions', {
        type: 'number',
        default: 200_000,
        describe: 'Sessions held open at once at most; beyond it the longest-open are finished early',
      })
      .option('bucket', {
        type: 'number',
        default: 15,
        describe: 'Minutes per bucket of the arrival curve (must divide a day)',
      })
      .option('base', {
        type: 'string',
        default: 'default',
        describe: 'The preset that supplies what the recording cannot say',
      })
      .option('name', { type: 'string', default: 'learned', describe: "The profile's name (shown in run summaries)" })
      .option('min-category-sessions', {
        type: 'number',
        default: 5,
        describe: 'Write a category name only if this many sessions had it',
      })
      .option('set', {
        type: 'string',
        array: true,
        describe: 'What-if edit baked into the profile, key=value (repeatable; see docs/learn.md)',
      })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('quiet', {
        alias: 'q',
        type: 'boolean',
        default: false,
        describe: 'No report on stderr',
      }) as unknown as Argv<LearnArgs>,
  run: async (a, ctx) => {
    const idleMs = durationFlag('session-idle', a.sessionIdle);
    wholeFlag('max-open-sessions', a.maxOpenSessions, 1);
    wholeFlag('bucket', a.bucket, 1, 1440);
    if (1440 % a.bucket !== 0)
      throw new UsageError(`--bucket ${a.bucket}: must divide a day (1440 minutes): 5, 10, 15, 30, 60, ...`);
    wholeFlag('min-category-sessions', a.minCategorySessions, 1);
    if (a.name.trim() === '' || a.name.length > 200) throw new UsageError(`--name ${a.name}: use 1 to 200 characters`);
    pattern('valid-coupons', a.validCoupons);
    pattern('valid-referrals', a.validReferrals);
    for (const edit of a.set ?? [])
      if (!/^[^=]+=.+$/.test(edit))
        throw new UsageError(`--set ${edit}: expected key=value, e.g. couponShare=0.8 or coupons.max=3`);
    const { PRESETS, PRESET_NAMES } = await import('../../generators/profiles.ts');
    if (!PRESETS[a.base]) throw new UsageError(`--base ${a.base}: not a preset (presets: ${PRESET_NAMES.join(', ')})`);
    const out = a.out === '-' ? undefined : a.out;
    if (out !== undefined) {
      const { checkOutputFile } = await import('../../io/output.ts');
      await checkOutputFile(out, '--out');
    }
    if (a.recording !== '-') {
      const { stat } = await import('node:fs/promises');
      const st = await stat(a.recording).catch(() => undefined);
      if (!st) throw new UsageError(`${a.recording}: no such file`);
      if (st.isDirectory()) throw new UsageError(`${a.recording}: is a folder`);
    }
    const { runLearn } = await import('../../orchestrate/learn.ts');
    let skipped = 0;
    const onIssue = (issue: RowIssue): void => {
      skipped++;
      if (skipped <= 20) ctx.say(`skipped ${issue.message}`);
      else if (skipped === 21) ctx.say('more rows skipped (counted in the report below)');
    };
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    try {
      const r = await runLearn({
        file: a.recording,
        ...(a.recording === '-' ? { stdin: ctx.io.stdin } : {}),
        ...(out !== undefined ? { out } : {}),
        ...(a.format ? { format: a.format } : {}),
        onError: a.onError,
        onIssue,
        ...(a.validCoupons !== undefined ? { validCoupons: a.validCoupons } : {}),
        ...(a.validReferrals !== undefined ? { validReferrals: a.validReferrals } : {}),
        sessionIdleMs: idleMs,
        maxOpenSessions: a.maxOpenSessions,
        bucketMinutes: a.bucket,
        base: a.base,
        name: a.name,
        minCategorySessions: a.minCategorySessions,
        ...(a.set ? { set: a.set } : {}),
        stdout: ctx.io.stdout,
        signal: controller.signal,
      });
      if (!a.quiet) {
        const s = r.stats;
        ctx.say(
          `learned from ${r.sessions} sessions, ${s.requests} requests (${s.format}, ${s.rows} rows${s.skippedRows > 0 ? `, ${s.skippedRows} bad rows skipped` : ''}${s.forced > 0 ? `, ${s.forced} sessions finished early at --max-open-sessions` : ''})`,
        );
        ctx.say(
          `requests per step: ${Object.entries(r.stepMix)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ')}`,
        );
        for (const n of r.notes)
          ctx.say(
            `  ${n.kept ? 'kept   ' : 'learned'} ${n.field}: ${n.kept ? n.note.replace(/^kept from [^:]+: /, '') : n.note}`,
          );
        ctx.say(
          `profile → ${r.out === '-' ? 'standard output' : r.out}${s.interrupted ? ' (interrupted: from the rows read so far)' : ''}`,
        );
      }
      return r.stats.interrupted ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.off('SIGINT', interrupt);
    }
  },
});
