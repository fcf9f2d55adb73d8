// `cartload replay <file>`: replays recorded traffic (a Talon.One session export or a request log)
// against a deployment, at the recorded pace × --speed, at --rate sessions/s, or --asap.
import type { Argv } from 'yargs';
import { access } from 'node:fs/promises';
import { parseK6Duration } from '../../model/duration.ts';
import { SESSION_STATES, type SessionState } from '../../model/limits.ts';
import { renderSummaryText } from '../../report/text.ts';
import type { RecordingFormat, RowIssue } from '../../recordings/events.ts';
import { parseShard } from '../../engine/hash.ts';
import type { EngineResult, Filters, Timing } from '../../engine/index.ts';
import { trapInterrupts } from '../../engine/interrupts.ts';
import { replayFile } from '../../orchestrate/replay.ts';
import { defaultWorkers, replayWithWorkers, workersRefusal } from '../../orchestrate/replay-workers.ts';
import { replayWithCheckpoint } from '../../orchestrate/replay-checkpoint.ts';
import { checkRunId } from '../../engine/run-id.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';

interface ReplayArgs {
  file: string;
  format?: RecordingFormat;
  target?: string;
  speed?: number;
  rate?: number;
  asap: boolean;
  connections: number;
  timeout: string;
  sessionPrefix?: string;
  keepSessionIds: boolean;
  dry: boolean;
  from?: string;
  to?: string;
  state?: string[];
  sample?: number;
  limit?: number;
  loop: number;
  shard?: string;
  onError: 'skip' | 'abort';
  maxErrorRate?: number;
  resultsDir: string;
  runId?: string;
  logRequests: boolean;
  drainTimeout: string;
  sessionIdle: string;
  preflight: boolean;
  progress: boolean;
  tmpDir?: string;
  sortWindow?: string;
  workers?: number;
  checkpoint?: string;
  resume?: string;
  resendInDoubt: boolean;
}

/** The exit code for an engine's outcome (shared with `cartload run`). */
export function exitCodeFor(outcome: EngineResult['outcome']): number {
  switch (outcome) {
    case 'ok':
      return EXIT.ok;
    case 'thresholds':
      return EXIT.thresholdsCrossed;
    case 'interrupted':
      return EXIT.interrupted;
    case 'bad-input':
      return EXIT.badInput;
    case 'unavailable':
      return EXIT.targetUnavailable;
  }
}

/** Prints a finished engine run: the summary to stdout, where it was written to stderr. */
export function reportResult(command: string, res: EngineResult): number {
  if (res.summary) process.stdout.write(renderSummaryText(res.summary));
  if (res.dir) console.error(`results: ${res.dir}`);
  if (res.message) console.error(`cartload ${command}: ${res.message}`);
  if (res.outcome === 'thresholds') console.error(`cartload ${command}: thresholds crossed (exit ${EXIT.thresholdsCrossed})`);
  return exitCodeFor(res.outcome);
}

function ms(option: string, value: string): number {
  const d = parseK6Duration(value);
  if ('error' in d || d.ms <= 0) throw new UsageError(`--${option} ${value}: use a duration such as 30s, 500ms or 2m`);
  return d.ms;
}

function instant(option: string, value: string): number {
  const t = /^\d+$/.test(value) ? Number(value) : Date.parse(value);
  if (Number.isNaN(t)) throw new UsageError(`--${option} "${value}": use an ISO 8601 time (2026-01-31T18:00:00Z) or epoch milliseconds`);
  return t;
}

function timingOf(a: ReplayArgs): Timing {
  const chosen = [a.speed !== undefined, a.rate !== undefined, a.asap].filter(Boolean).length;
  if (chosen > 1) throw new UsageError('choose one of --speed, --rate and --asap');
  if (a.asap) return { mode: 'asap' };
  if (a.rate !== undefined) return { mode: 'rate', rate: a.rate };
  return { mode: 'speed', speed: a.speed ?? 1 };
}

/** Prints the first bad rows as they come; all of them go to row-issues.ndjson in the run folder. */
function issuePrinter(max = 20): (issue: RowIssue) => void {
  let n = 0;
  return (issue) => {
    n++;
    if (n <= max) console.error(`skipped ${issue.message}`);
    else if (n === max + 1) console.error('more rows skipped: see row-issues.ndjson in the run folder');
  };
}

function filtersOf(a: ReplayArgs): Filters {
  const f: Filters = {};
  if (a.from !== undefined) f.from = instant('from', a.from);
  if (a.to !== undefined) f.to = instant('to', a.to);
  if (f.from !== undefined && f.to !== undefined && f.from >= f.to) throw new UsageError('--from must be before --to');
  if (a.state) {
    const bad = a.state.filter((s) => !(SESSION_STATES as readonly string[]).includes(s));
    if (bad.length > 0) throw new UsageError(`--state ${bad.join(', ')}: use ${SESSION_STATES.join(', ')}`);
    f.states = a.state as SessionState[];
  }
  if (a.sample !== undefined) f.sample = a.sample;
  if (a.limit !== undefined) f.limit = a.limit;
  if (a.shard !== undefined) {
    const s = parseShard(a.shard);
    if (typeof s === 'string') throw new UsageError(s);
    f.shard = s;
  }
  return f;
}

export default defineCommand<ReplayArgs>({
  command: 'replay <file>',
  describe: 'Replay recorded traffic (a Talon.One session export or a request log CSV; .gz or - for stdin) against a deployment',
  builder: (y) =>
    y
      .positional('file', { type: 'string', describe: 'The recording: a CSV file, a .csv.gz, or - for standard input' })
      .option('format', { choices: ['export', 'request-log'] as const, describe: 'The recording format (default: detected from the header)' })
      .option('target', { type: 'string', describe: 'Base URL of the deployment (default $TALON_BASE_URL); the API key comes from $TALON_API_KEY' })
      .option('speed', { type: 'number', describe: 'Replay at the recorded pace × speed (2 = twice as fast; default 1)' })
      .option('rate', { type: 'number', describe: 'Start sessions at this many per second instead, ignoring recorded times' })
      .option('asap', { type: 'boolean', default: false, describe: 'As fast as possible, up to --connections requests in flight' })
      .option('connections', { alias: 'concurrency', type: 'number', default: 64, describe: 'Keep-alive connections, and the cap on requests in flight' })
      .option('timeout', { type: 'string', default: '30s', describe: 'Per-request timeout (connect, headers, body)' })
      .option('session-prefix', { type: 'string', describe: 'Prefix for recorded session IDs (default cartload-<random>-, new every run)' })
      .option('keep-session-ids', { type: 'boolean', default: false, describe: 'Send the recorded session IDs unchanged' })
      .option('dry', { type: 'boolean', default: false, describe: 'Send updates and returns with dry=true (nothing stored); reopen steps, which have no dry mode, are left out' })
      .option('from', { type: 'string', describe: 'Only sessions that start at or after this time (ISO 8601 or epoch ms)' })
      .option('to', { type: 'string', describe: 'Only sessions that start before this time' })
      .option('state', { type: 'string', array: true, describe: `Only sessions whose final recorded state is one of these (${SESSION_STATES.join(', ')})` })
      .option('sample', { type: 'number', describe: 'Replay this fraction of sessions (0..1], chosen by a hash of the session ID' })
      .option('limit', { type: 'number', describe: 'Replay at most this many sessions' })
      .option('loop', { type: 'number', default: 1, describe: 'Replay the recording this many times, each pass under fresh session IDs' })
      .option('workers', { type: 'number', describe: 'Worker threads, each replaying one shard of the file on one shared clock (default: the cores available; 1 for standard input, --loop or --limit)' })
      .option('checkpoint', { type: 'string', describe: 'Record every step sent in this file (write-ahead), so that an interrupted replay can be resumed' })
      .option('resume', { type: 'string', describe: 'Continue the replay recorded in this checkpoint: never sends a step twice; lists the steps left in doubt' })
      .option('resend-in-doubt', { type: 'boolean', default: false, describe: 'With --resume: send the steps in doubt again (the target may then see them twice)' })
      .option('shard', { type: 'string', describe: 'i/n: replay only the sessions whose ID hashes to shard i of n (run n processes for the whole file)' })
      .option('on-error', { choices: ['skip', 'abort'] as const, default: 'abort' as const, describe: 'A bad row: stop (abort), or count it and go on (skip)' })
      .option('max-error-rate', { type: 'number', describe: 'Exit 99 when failed requests / requests exceeds this fraction' })
      .option('results-dir', { type: 'string', default: 'results', describe: 'Where the run folder <run-id>/ is written' })
      .option('run-id', { type: 'string', describe: 'Name of the run folder (default UTC time + random)' })
      .option('log-requests', { type: 'boolean', default: false, describe: 'Also write requests.csv: one line per request with intended, sent and answered times' })
      .option('session-idle', { type: 'string', default: '10m', describe: 'Forget a session after this much recorded time without a step (request logs do not mark last steps)' })
      .option('drain-timeout', { type: 'string', default: '10s', describe: 'After Ctrl-C, how long requests in flight may take' })
      .option('preflight', { type: 'boolean', default: true, describe: 'Check the target answers and accepts the key first (--no-preflight to skip)' })
      .option('progress', { type: 'boolean', default: true, describe: 'Live progress on stderr (--no-progress to silence)' })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('sort-window', { type: 'string', describe: 'Start at once and order rows within this much recorded time (e.g. 30s) instead of sorting the whole file first; a row later than that is a bad row (for nearly time-ordered request logs)' })
      .option('tmp-dir', { type: 'string', describe: 'Where sorting a large unsorted recording spills to disk (default the OS temp folder)' }) as unknown as Argv<ReplayArgs>,
  run: async (a) => {
    const target = a.target ?? process.env.TALON_BASE_URL;
    if (!target) throw new UsageError('name the deployment with --target or TALON_BASE_URL (for a local try: cartload target, then --target http://127.0.0.1:3000)');
    const timing = timingOf(a);
    const filters = filtersOf(a);
    if (a.runId !== undefined) {
      const bad = checkRunId(a.runId);
      if (bad) throw new UsageError(bad);
    }
    if (a.file !== '-') {
      try {
        await access(a.file);
      } catch {
        throw new UsageError(`${a.file}: no such file or not readable`);
      }
    }
    if (a.checkpoint !== undefined && a.resume !== undefined) throw new UsageError('--resume continues its checkpoint file: drop --checkpoint');
    if (a.resendInDoubt && a.resume === undefined) throw new UsageError('--resend-in-doubt goes with --resume');
    const checkpoint = a.resume ?? a.checkpoint;
    if (checkpoint !== undefined && a.workers !== undefined && a.workers > 1) throw new UsageError('--checkpoint and --resume run one worker: drop --workers');
    const workers = checkpoint !== undefined ? 1 : (a.workers ?? defaultWorkers({ file: a.file, loops: a.loop, ...(filters.limit !== undefined ? { limit: filters.limit } : {}) }));
    const refused = workersRefusal({ workers, file: a.file, loops: a.loop, ...(filters.limit !== undefined ? { limit: filters.limit } : {}) });
    if (refused) throw new UsageError(refused);
    const interrupts = trapInterrupts((m) => console.error(m));
    try {
      const replay =
        checkpoint !== undefined
          ? async (o: Parameters<typeof replayFile>[0]) => {
              const r = await replayWithCheckpoint({ ...o, checkpoint, resume: a.resume !== undefined, resendInDoubt: a.resendInDoubt });
              if (r.inDoubt && r.inDoubt.length > 0) {
                console.error(`${r.inDoubt.length} step(s) were in flight when the previous run ended: the target may or may not have processed them; ${a.resendInDoubt ? 'sent again' : 'not sent again (--resend-in-doubt to send them)'}; each session goes on after them:`);
                for (const d of r.inDoubt) console.error(`  in doubt: session ${d.session}, step ${d.step}`);
              }
              if (r.alreadyDone !== undefined) console.error(`resumed: ${r.alreadyDone} step(s) were done before this run`);
              return r;
            }
          : workers > 1
            ? (o: Parameters<typeof replayFile>[0]) => replayWithWorkers({ ...o, workers })
            : replayFile;
      if (workers > 1) console.error(`replaying with ${workers} workers, one shard of the file each, on one clock (--workers 1 for one)`);
      const res = await replay({
        file: a.file,
        ...(a.format ? { format: a.format } : {}),
        onError: a.onError,
        ...(a.tmpDir ? { tmpDir: a.tmpDir } : {}),
        ...(a.sortWindow !== undefined ? { sortWindowMs: ms('sort-window', a.sortWindow) } : {}),
        stdin: process.stdin,
        target,
        apiKey: process.env.TALON_API_KEY,
        timing,
        connections: a.connections,
        timeoutMs: ms('timeout', a.timeout),
        drainTimeoutMs: ms('drain-timeout', a.drainTimeout),
        sessionIdleMs: ms('session-idle', a.sessionIdle),
        ...(a.keepSessionIds ? { sessionPrefix: '' } : a.sessionPrefix !== undefined ? { sessionPrefix: a.sessionPrefix } : {}),
        dry: a.dry,
        filters,
        loops: a.loop,
        ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
        resultsDir: a.resultsDir,
        ...(a.runId ? { runId: a.runId } : {}),
        logRequests: a.logRequests,
        preflight: a.preflight,
        options: {
          file: a.file,
          format: a.format ?? 'detected',
          timing,
          connections: a.connections,
          timeout: a.timeout,
          sessionPrefix: a.keepSessionIds ? '(recorded IDs)' : (a.sessionPrefix ?? '(per run)'),
          dry: a.dry,
          filters,
          loop: a.loop,
          sessionIdle: a.sessionIdle,
          onError: a.onError,
          maxErrorRate: a.maxErrorRate,
          workers,
        },
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        ...(a.progress ? { progress: process.stderr } : {}),
        onIssue: issuePrinter(),
      });
      return reportResult('replay', res);
    } finally {
      interrupts.dispose();
    }
  },
});
