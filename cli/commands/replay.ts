// `cartload replay <file>`: replays recorded traffic (a Talon.One session export or a request log)
// against a deployment, at the recorded pace × --speed, at --rate sessions/s, or --asap.
// Order: every flag, then every path, then the guard rail, then the recording's first rows; only
// then does the engine create the run folder and send anything.
import { access, constants, stat } from 'node:fs/promises';
import type { Argv } from 'yargs';
import { SESSION_STATES, type SessionState } from '../../model/limits.ts';
import type { RecordingFormat, RowIssue } from '../../recordings/events.ts';
import type { Filters, Timing } from '../../engine/index.ts';
import { DEFAULT_MAX_ERROR_RATE } from '../../engine/options.ts';
import { defineCommand, UsageError, type CommandContext } from '../command.ts';
import { durationFlag, instantFlag, numberFlag, urlFlag, wholeFlag } from '../flags.ts';
import { confirmWrites } from '../guard.ts';
import { checkRunOptions, withRunOptions, type SharedRunArgs } from '../run-options.ts';

interface ReplayArgs extends SharedRunArgs {
  file: string;
  format?: RecordingFormat;
  speed?: number;
  rate?: number;
  asap: boolean;
  concurrency?: number;
  timeout: string;
  keepSessionIds: boolean;
  from?: string;
  to?: string;
  state?: string[];
  sample?: number;
  limit?: number;
  loop: number;
  shard?: string;
  onError: 'skip' | 'abort';
  logRequests: boolean;
  drainTimeout: string;
  sessionIdle: string;
  preflight: boolean;
  tmpDir?: string;
  sortWindow?: string;
  workers?: number;
  checkpoint?: string;
  resume?: string;
  resendInDoubt: boolean;
}

/** The scenarios' default latency limits, used for the one of --p95-ms / --p99-ms not given. */
const DEFAULT_P95_MS = 500;
const DEFAULT_P99_MS = 1000;

function timingOf(a: ReplayArgs): Timing {
  const chosen = [a.speed !== undefined, a.rate !== undefined, a.asap].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --speed, --rate and --asap');
  if (a.asap) return { mode: 'asap' };
  if (a.rate !== undefined) return { mode: 'rate', rate: numberFlag('rate', a.rate, { above: 0 }) };
  return { mode: 'speed', speed: a.speed === undefined ? 1 : numberFlag('speed', a.speed, { above: 0 }) };
}

async function filtersOf(a: ReplayArgs): Promise<Filters> {
  const f: Filters = {};
  if (a.from !== undefined) f.from = instantFlag('from', a.from);
  if (a.to !== undefined) f.to = instantFlag('to', a.to);
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw new UsageError('--from must be before --to');
  if (a.state) {
    const bad = a.state.filter((s) => !(SESSION_STATES as readonly string[]).includes(s));
    if (bad.length > 0) throw new UsageError(`--state ${bad.join(', ')}: use ${SESSION_STATES.join(', ')}`);
    f.states = a.state as SessionState[];
  }
  if (a.sample !== undefined) f.sample = numberFlag('sample', a.sample, { above: 0, max: 1 });
  if (a.limit !== undefined) f.limit = wholeFlag('limit', a.limit, 1);
  if (a.shard !== undefined) {
    const { parseShard } = await import('../../engine/hash.ts');
    const s = parseShard(a.shard);
    if (typeof s === 'string') throw new UsageError(s);
    f.shard = s;
  }
  return f;
}

/** The recording must be a readable file (or '-'); the rest of it is checked by reading it. */
async function checkFile(file: string): Promise<void> {
  if (file === '-') return;
  try {
    if ((await stat(file)).isDirectory()) throw new UsageError(`${file}: is a folder; name a recording file`);
    await access(file, constants.R_OK);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(
      `${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : 'cannot read it'} (the recording to replay; - reads standard input)`,
    );
  }
}

/** Prints the first bad rows as they come; all of them go to row-issues.ndjson in the run folder. */
function issuePrinter(ctx: CommandContext, max = 20): (issue: RowIssue) => void {
  let n = 0;
  return (issue) => {
    n++;
    if (n <= max) ctx.say(`skipped ${issue.message}`);
    else if (n === max + 1) ctx.say('more rows skipped: see row-issues.ndjson in the run folder');
  };
}

export default defineCommand<ReplayArgs>({
  command: 'replay <file>',
  describe:
    'Replay recorded traffic (a Talon.One session export or a request log CSV; .gz or - for stdin) against a deployment',
  builder: (y) =>
    withRunOptions(
      y
        .positional('file', {
          type: 'string',
          describe: 'The recording: a CSV file, a .csv.gz, or - for standard input (gzip or not)',
        })
        .option('format', {
          choices: ['export', 'request-log'] as const,
          describe: 'The recording format (default: detected from the header)',
        })
        .option('speed', {
          type: 'number',
          describe: 'Replay at the recorded pace times speed (2 = twice as fast; default 1)',
        })
        .option('rate', {
          type: 'number',
          describe: 'Start sessions at this many per second instead, ignoring recorded times',
        })
        .option('asap', {
          type: 'boolean',
          default: false,
          describe: 'As fast as possible, up to --connections requests in flight',
        })
        .option('timeout', { type: 'string', default: '30s', describe: 'Per-request timeout (connect, headers, body)' })
        .option('keep-session-ids', {
          type: 'boolean',
          default: false,
          describe: 'Send the recorded session IDs unchanged',
        })
        .option('from', {
          type: 'string',
          describe: 'Only sessions that start at or after this time (ISO 8601 or epoch ms)',
        })
        .option('to', { type: 'string', describe: 'Only sessions that start before this time' })
        .option('state', {
          type: 'string',
          array: true,
          describe: `Only sessions whose final recorded state is one of these (${SESSION_STATES.join(', ')})`,
        })
        .option('sample', {
          type: 'number',
          describe: 'Replay this fraction of sessions (0..1], chosen by a hash of the session ID',
        })
        .option('limit', { type: 'number', describe: 'Replay at most this many sessions' })
        .option('loop', {
          type: 'number',
          default: 1,
          describe: 'Replay the recording this many times, each pass under fresh session IDs',
        })
        .option('shard', {
          type: 'string',
          describe:
            'i/n: replay only the sessions whose ID hashes to shard i of n (run n processes for the whole file)',
        })
        .option('on-error', {
          choices: ['skip', 'abort'] as const,
          default: 'abort' as const,
          describe: 'A bad row: stop (abort), or count it and go on (skip)',
        })
        .option('log-requests', {
          type: 'boolean',
          default: false,
          describe: 'Also write requests.csv: one line per request with intended, sent and answered times',
        })
        .option('session-idle', {
          type: 'string',
          default: '10m',
          describe:
            'Forget a session after this much recorded time without a step (request logs do not mark last steps)',
        })
        .option('drain-timeout', {
          type: 'string',
          default: '10s',
          describe: 'After Ctrl-C, how long requests in flight may take',
        })
        .option('preflight', {
          type: 'boolean',
          default: true,
          describe: 'Check the target answers and accepts the key first (--no-preflight to skip)',
        })
        .option('sort-window', {
          type: 'string',
          describe:
            'Start at once and order rows within this much recorded time (e.g. 30s) instead of sorting the whole file first; a row later than that is a bad row (for nearly time-ordered request logs)',
        })
        .option('workers', {
          type: 'number',
          describe:
            'Worker threads sending one shard of the file each, on one shared clock (default 1; not with -, --loop, --limit or a checkpoint)',
        })
        .option('checkpoint', {
          type: 'string',
          describe: 'Record every step sent in this file (write-ahead), so that an interrupted replay can be resumed',
        })
        .option('resume', {
          type: 'string',
          describe:
            'Continue the replay recorded in this checkpoint: never sends a step twice; lists the steps left in doubt',
        })
        .option('resend-in-doubt', {
          type: 'boolean',
          default: false,
          describe: 'With --resume: send the steps in doubt again (the target may then see them twice)',
        })
        .option('tmp-dir', {
          type: 'string',
          describe: 'Where sorting a large unsorted recording spills to disk (default the OS temp folder)',
        }),
      {
        target: 'Base URL of the deployment (default $TALON_BASE_URL); the API key comes from $TALON_API_KEY',
        sessionPrefix: 'Prefix for recorded session IDs (default cartload-<random>-, new every run)',
        dry: 'Send updates with dry=true (nothing stored); steps a never-stored session cannot take are left out',
        gate: '(default 0.01; 1 turns it off)',
        latency: [
          '(default: no latency gate; with --p99-ms alone, 500)',
          '(default: no latency gate; with --p95-ms alone, 1000)',
        ],
      },
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
    ) as unknown as Argv<ReplayArgs>,
  run: async (a, ctx) => {
    // 1. Flags.
    const fromEnv = a.target === undefined ? (ctx.env.TALON_BASE_URL ?? '').trim() : undefined;
    if (fromEnv === '')
      throw new UsageError(
        'name the deployment with --target or TALON_BASE_URL (for a local try: cartload target, then --target http://127.0.0.1:3000)',
      );
    const target = fromEnv === undefined ? (a.target as string) : urlFlag('target', fromEnv, 'TALON_BASE_URL');
    const { connections } = checkRunOptions(a);
    if (a.keepSessionIds && a.sessionPrefix !== undefined)
      throw new UsageError('choose one of --keep-session-ids and --session-prefix');
    const timing = timingOf(a);
    const filters = await filtersOf(a);
    const loops = wholeFlag('loop', a.loop, 1);
    const timeoutMs = durationFlag('timeout', a.timeout);
    const drainTimeoutMs = durationFlag('drain-timeout', a.drainTimeout, { zero: true });
    const sessionIdleMs = durationFlag('session-idle', a.sessionIdle);
    const sortWindowMs =
      a.sortWindow === undefined ? undefined : durationFlag('sort-window', a.sortWindow, { zero: true });
    if (loops > 1 && a.file === '-') throw new UsageError('--loop cannot read standard input twice: name a file');
    if (a.checkpoint !== undefined && a.resume !== undefined)
      throw new UsageError('--resume continues its checkpoint file: drop --checkpoint');
    if (a.resendInDoubt && a.resume === undefined) throw new UsageError('--resend-in-doubt goes with --resume');
    const checkpoint = a.resume ?? a.checkpoint;
    if (checkpoint !== undefined && a.workers !== undefined && a.workers > 1)
      throw new UsageError('--checkpoint and --resume run one worker: drop --workers');
    const { workersRefusal } = await import('../../orchestrate/replay-workers.ts');
    const limit = filters.limit !== undefined ? { limit: filters.limit } : {};
    const workers =
      checkpoint !== undefined
        ? 1
        : a.workers !== undefined
          ? wholeFlag('workers', a.workers, 1)
          : // One thread unless asked: handing events to workers costs more CPU per request than it
            // saves on a machine of few cores (docs/scaling-out.md has the figures).
            1;
    const refused = workersRefusal({ workers, file: a.file, loops, ...limit });
    if (refused) throw new UsageError(refused);
    const { validateEngineOptions } = await import('../../engine/index.ts');
    // The engine's own checks (a rate beyond what it can schedule, ...), before any path is touched.
    validateEngineOptions({
      target,
      input: {
        kind: 'recording',
        name: a.file,
        rewindable: a.file !== '-',
        open: () => {
          throw new Error('not called by validateEngineOptions');
        },
      },
      timing,
      connections,
      timeoutMs,
      drainTimeoutMs,
      sessionIdleMs,
      filters,
      loops,
      ...(a.keepSessionIds ? { sessionPrefix: '' } : {}),
      ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
      ...(a.runId !== undefined ? { runId: a.runId } : {}),
    });
    const slo =
      a.p95Ms !== undefined || a.p99Ms !== undefined
        ? {
            errorRate: a.maxErrorRate ?? DEFAULT_MAX_ERROR_RATE,
            p95Ms: a.p95Ms ?? DEFAULT_P95_MS,
            p99Ms: a.p99Ms ?? DEFAULT_P99_MS,
          }
        : undefined;
    // 2. Paths.
    await checkFile(a.file);
    const { checkDirWritable, checkRunFolderFree } = await import('../../io/dirs.ts');
    await checkDirWritable(a.resultsDir, '--results-dir');
    if (a.runId !== undefined) await checkRunFolderFree(a.resultsDir, a.runId);
    if (a.tmpDir !== undefined) await checkDirWritable(a.tmpDir, '--tmp-dir');
    // A checkpoint is written new or continued: which one it is shows before the file is opened.
    if (checkpoint !== undefined) {
      const { checkpointPathProblem } = await import('../../orchestrate/checkpoint.ts');
      const problem = checkpointPathProblem(checkpoint, a.resume !== undefined);
      if (problem) throw new UsageError(problem);
    }
    // 3. The guard rail, before anything is read or sent.
    const sessionPrefix = a.keepSessionIds ? '' : a.sessionPrefix;
    const pace =
      timing.mode === 'asap'
        ? 'as fast as possible'
        : timing.mode === 'rate'
          ? `${timing.rate} session${timing.rate === 1 ? '' : 's'}/s`
          : `the recorded pace × ${timing.speed}`;
    await confirmWrites(
      {
        command: 'cartload replay',
        target,
        dry: a.dry,
        yes: a.yes,
        details: [
          ['file', a.file === '-' ? 'standard input' : a.file],
          ['pace', `${pace}, up to ${connections} requests in flight${loops > 1 ? `, ${loops} passes` : ''}`],
          [
            'sessions',
            sessionPrefix === ''
              ? 'the recorded session IDs, unchanged'
              : `recorded IDs prefixed with ${sessionPrefix ?? 'cartload-<random>-'}`,
          ],
        ],
      },
      ctx,
    );
    // 4. The recording's first rows; then the engine.
    const { openRecording, replayOpened } = await import('../../orchestrate/replay.ts');
    const recording = await openRecording({
      file: a.file,
      ...(a.format ? { format: a.format } : {}),
      onError: a.onError,
      ...(a.tmpDir ? { tmpDir: a.tmpDir } : {}),
      ...(sortWindowMs !== undefined ? { sortWindowMs } : {}),
      stdin: ctx.io.stdin,
    });
    // A recording at its own pace can span hours: say so before the first step waits for its time.
    ctx.say(
      `replaying ${a.file === '-' ? 'standard input' : a.file} against ${target}: ${pace}${timing.mode === 'speed' ? ' (each step at its recorded time after the first; --speed N or --asap go faster)' : ''}`,
    );
    const { trapInterrupts } = await import('../../engine/interrupts.ts');
    const interrupts = trapInterrupts(ctx.say);
    try {
      const engine = {
        target,
        apiKey: ctx.env.TALON_API_KEY,
        timing,
        connections,
        timeoutMs,
        drainTimeoutMs,
        sessionIdleMs,
        ...(sessionPrefix !== undefined ? { sessionPrefix } : {}),
        dry: a.dry,
        filters,
        loops,
        // With latency limits the error rate is part of the same gate (slo), as in `run`.
        ...(slo ? { slo } : a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
        resultsDir: a.resultsDir,
        ...(a.runId ? { runId: a.runId } : {}),
        logRequests: a.logRequests,
        preflight: a.preflight,
        options: {
          file: a.file,
          format: a.format ?? 'detected',
          timing,
          connections,
          timeout: a.timeout,
          sessionPrefix: a.keepSessionIds ? '(recorded IDs)' : (a.sessionPrefix ?? '(per run)'),
          dry: a.dry,
          filters,
          loop: loops,
          sessionIdle: a.sessionIdle,
          onError: a.onError,
          maxErrorRate: a.maxErrorRate,
          ...(slo ? { p95Ms: slo.p95Ms, p99Ms: slo.p99Ms } : {}),
          workers,
        },
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        ...(a.progress ? { progress: ctx.io.stderr } : {}),
        onIssue: issuePrinter(ctx),
      };
      let res;
      if (checkpoint !== undefined) {
        const { replayWithCheckpoint } = await import('../../orchestrate/replay-checkpoint.ts');
        const r = await replayWithCheckpoint({
          ...engine,
          file: a.file,
          recording,
          checkpoint,
          resume: a.resume !== undefined,
          resendInDoubt: a.resendInDoubt,
        });
        if (r.inDoubt && r.inDoubt.length > 0) {
          ctx.say(
            `${r.inDoubt.length} step(s) were in flight when the previous run ended: the target may or may not have processed them; ${a.resendInDoubt ? 'sent again' : 'not sent again (--resend-in-doubt to send them)'}; each session goes on after them:`,
          );
          for (const d of r.inDoubt) ctx.say(`  in doubt: session ${d.session}, step ${d.step}`);
        }
        if (r.alreadyDone !== undefined) ctx.say(`resumed: ${r.alreadyDone} step(s) were done before this run`);
        res = r;
      } else if (workers > 1) {
        ctx.say(`replaying with ${workers} workers, one shard of the file each, on one clock (--workers 1 for one)`);
        const { replayWithWorkers } = await import('../../orchestrate/replay-workers.ts');
        res = await replayWithWorkers({ ...engine, file: a.file, recording, workers });
      } else res = await replayOpened(recording, engine);
      const { reportResult } = await import('../results.ts');
      return await reportResult('replay', res, ctx);
    } finally {
      interrupts.dispose();
    }
  },
});
