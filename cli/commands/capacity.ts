// `cartload capacity`: how much traffic the target sustains within the SLO, found by a search of
// probes with k6 or the Node engine; `--from <run>` judges a finished run again (another SLO).
// Order, as `run`: every flag, then the guard rail for a target that is not this machine; only
// then is a local target started or anything sent.
import type { Argv } from 'yargs';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { durationFlag, numberFlag, urlFlag, wholeFlag } from '../flags.ts';
import { confirmWrites } from '../guard.ts';
import { checkRunId } from '../../model/run-id.ts';

interface CapacityArgs {
  engine: 'auto' | 'k6' | 'node';
  from?: string;
  target?: string;
  start?: number;
  growth?: number;
  tolerance?: string;
  maxRate?: number;
  minRate?: number;
  maxProbes?: number;
  maxDuration?: string;
  warmup?: string;
  hold?: string;
  drain?: string;
  p95Ms?: number;
  p99Ms?: number;
  errorRate?: string;
  seed?: number;
  profile?: string;
  thinkScale?: number;
  maxThink?: number;
  connections?: number;
  maxVus?: number;
  targetWorkers?: number;
  targetServiceTime?: string;
  resultsDir: string;
  runId?: string;
  json: boolean;
  yes: boolean;
}

/** A share as `5%` or `0.05`; the message names the option. */
export function parseShare(option: string, value: string): number {
  const v = value.trim();
  const pct = /^(\d+(?:\.\d+)?)%$/.exec(v);
  const n = pct ? Number(pct[1]) / 100 : /^(0(?:\.\d+)?|1(?:\.0+)?|\.\d+)$/.test(v) ? Number(v) : NaN;
  if (!Number.isFinite(n)) throw new UsageError(`--${option} ${value}: use a share such as 5% or 0.05`);
  return n;
}

export default defineCommand<CapacityArgs>({
  command: 'capacity',
  describe:
    'Find the highest rate the target sustains within the SLO (a search of probes with k6 or the Node engine); --from <run> judges a finished run again',
  builder: (y) =>
    y
      .option('engine', {
        choices: ['auto', 'k6', 'node'] as const,
        default: 'auto' as const,
        describe: 'auto: k6 when found on K6_BIN or PATH, else node',
      })
      .option('from', {
        type: 'string',
        describe:
          'Judge a finished capacity run again (its folder, capacity.json or k6-summary.json), e.g. under another SLO; sends nothing',
      })
      .option('target', {
        type: 'string',
        describe: 'Base URL of the deployment (default $TALON_BASE_URL, else a local target started for the run)',
      })
      .option('start', { type: 'number', describe: 'First rate, sessions/s (default 5)' })
      .option('growth', {
        type: 'number',
        describe: 'Coarse steps: each rate is the previous times this until the SLO breaks (default 2)',
      })
      .option('tolerance', {
        type: 'string',
        describe: 'Refine until the bracket between the last good and the first bad rate is this narrow (default 5%)',
      })
      .option('max-rate', { type: 'number', describe: 'Never offer more than this, sessions/s' })
      .option('min-rate', {
        type: 'number',
        describe: 'When the first rate breaks the SLO, step down to this at the lowest (default 0.05)',
      })
      .option('max-probes', { type: 'number', describe: 'Most probes (default 16)' })
      .option('max-duration', { type: 'string', describe: 'Start no probe that would end after this long, e.g. 3m' })
      .option('warmup', {
        type: 'string',
        describe: 'Each probe: time at its rate before measuring (default 5s; longer than a session with think times)',
      })
      .option('hold', { type: 'string', describe: 'Each probe: time measured (default 15s)' })
      .option('drain', { type: 'string', describe: 'After each hold, time for requests still in flight (default 5s)' })
      .option('p95-ms', { type: 'number', describe: 'SLO: p95 latency, ms (env P95_MS; default 500)' })
      .option('p99-ms', { type: 'number', describe: 'SLO: p99 latency, ms (env P99_MS; default 1000)' })
      .option('error-rate', {
        type: 'string',
        describe: 'SLO: largest share of failed requests, e.g. 1% or 0.01 (env ERROR_RATE; default 1%)',
      })
      .option('seed', { type: 'number', describe: 'Seed of the generated sessions (env SEED; default 1)' })
      .option('profile', { type: 'string', describe: 'Traffic profile: a preset or a JSON file (env PROFILE)' })
      .option('think-scale', {
        type: 'number',
        describe: "Multiplies the plans' think times (default 0: each step right after the previous answer)",
      })
      .option('max-think', { type: 'number', describe: 'Longest think time in seconds (env MAX_THINK; default 30)' })
      .option('connections', {
        type: 'number',
        describe: 'Node engine: connections and the cap on requests in flight (default 1024)',
      })
      .option('max-vus', { type: 'number', describe: 'k6: the most VUs (env MAX_VUS; default 60 x the rate)' })
      .option('target-workers', {
        type: 'number',
        describe: "Without a target: the local target's workers (with --target-service-time)",
      })
      .option('target-service-time', {
        type: 'string',
        describe: "Without a target: the local target's service time, ms (with --target-workers)",
      })
      .option('results-dir', {
        type: 'string',
        default: 'results',
        describe: 'Where the run folder <run-id>/ is written',
      })
      .option('run-id', { type: 'string', describe: 'Name of the run folder (default UTC time + random)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print capacity.json instead of the text report' })
      .option('yes', {
        type: 'boolean',
        default: false,
        describe:
          'Confirm a run that writes to a host other than this machine without a prompt (for CI; also CARTLOAD_YES=1)',
      }) as unknown as Argv<CapacityArgs>,
  run: async (a, ctx) => {
    // 1. Flags, named as flags.
    const errorRate = a.errorRate === undefined ? undefined : parseShare('error-rate', a.errorRate);
    if (a.p95Ms !== undefined) numberFlag('p95-ms', a.p95Ms, { above: 0 });
    if (a.p99Ms !== undefined) numberFlag('p99-ms', a.p99Ms, { above: 0 });
    const slo = { p95Ms: a.p95Ms, p99Ms: a.p99Ms, errorRate };
    if (a.from !== undefined) {
      const { capacityFromRun } = await import('../../orchestrate/capacity-report.ts');
      const r = await capacityFromRun(a.from, slo);
      ctx.out(a.json ? `${JSON.stringify(r.file, null, 2)}\n` : r.text);
      return EXIT.ok;
    }
    if (a.target !== undefined) urlFlag('target', a.target);
    if (a.start !== undefined) numberFlag('start', a.start, { above: 0 });
    if (a.growth !== undefined) numberFlag('growth', a.growth, { above: 1 });
    const tolerance = a.tolerance === undefined ? undefined : parseShare('tolerance', a.tolerance);
    if (tolerance !== undefined && !(tolerance > 0 && tolerance < 1))
      throw new UsageError(`--tolerance ${a.tolerance}: must be above 0% and below 100%`);
    if (a.maxRate !== undefined) numberFlag('max-rate', a.maxRate, { above: 0 });
    if (a.minRate !== undefined) numberFlag('min-rate', a.minRate, { min: 0.01 });
    if (a.maxProbes !== undefined) wholeFlag('max-probes', a.maxProbes, 1, 1000);
    const budgetMs = a.maxDuration === undefined ? undefined : durationFlag('max-duration', a.maxDuration);
    for (const [flag, v] of [
      ['warmup', a.warmup],
      ['hold', a.hold],
      ['drain', a.drain],
    ] as const)
      if (v !== undefined) durationFlag(flag, v);
    if (a.seed !== undefined && !Number.isSafeInteger(a.seed))
      throw new UsageError(`--seed ${a.seed}: must be a whole number`);
    if (a.thinkScale !== undefined) numberFlag('think-scale', a.thinkScale, { min: 0 });
    if (a.maxThink !== undefined) numberFlag('max-think', a.maxThink, { min: 0 });
    if (a.connections !== undefined) wholeFlag('connections', a.connections, 1, 10_000);
    if (a.maxVus !== undefined) wholeFlag('max-vus', a.maxVus, 1);
    if (a.runId !== undefined) {
      const why = checkRunId(a.runId);
      if (why !== undefined) throw new UsageError(`--run-id ${why}`);
    }
    if ((a.targetWorkers === undefined) !== (a.targetServiceTime === undefined))
      throw new UsageError('--target-workers and --target-service-time go together');
    const named = a.target ?? ((ctx.env.TALON_BASE_URL ?? '').trim() || undefined);
    if (a.targetWorkers !== undefined) {
      if (named !== undefined)
        throw new UsageError(
          '--target-workers configures the local target: drop --target (or unset TALON_BASE_URL), or drop --target-workers',
        );
      wholeFlag('target-workers', a.targetWorkers, 1);
      if (!/^\d+(\.\d+)?$/.test((a.targetServiceTime as string).trim()))
        throw new UsageError(`--target-service-time ${a.targetServiceTime}: a number of ms, e.g. 10`);
    }
    // 2. The guard rail: a named deployment that is not this machine, and not dry.
    if (named !== undefined) {
      const dry = /^(1|true|yes)$/i.test((ctx.env.DRY ?? '').trim());
      await confirmWrites(
        {
          command: 'cartload capacity',
          target: named,
          dry,
          yes: a.yes,
          details: [
            [
              'search',
              `from ${a.start ?? 5} sessions/s, x ${a.growth ?? 2} until the SLO breaks, then refined to ${a.tolerance ?? '5%'}${a.maxRate !== undefined ? `, at most ${a.maxRate} sessions/s` : ''}`,
            ],
            ['each probe', `${a.warmup ?? '5s'} warm-up + ${a.hold ?? '15s'} hold`],
          ],
        },
        ctx,
      );
    }
    // 3. Run.
    const { runCapacity } = await import('../../orchestrate/capacity/index.ts');
    const { trapInterrupts } = await import('../../engine/interrupts.ts');
    const interrupts = trapInterrupts(ctx.say);
    try {
      const res = await runCapacity({
        engine: a.engine,
        env: { ...ctx.env, ...(a.target !== undefined ? { TALON_BASE_URL: a.target } : {}) },
        search: {
          ...(a.start !== undefined ? { start: a.start } : {}),
          ...(a.growth !== undefined ? { growth: a.growth } : {}),
          ...(tolerance !== undefined ? { tolerance } : {}),
          ...(a.maxRate !== undefined ? { maxRate: a.maxRate } : {}),
          ...(a.minRate !== undefined ? { minRate: a.minRate } : {}),
          ...(a.maxProbes !== undefined ? { maxProbes: a.maxProbes } : {}),
          ...(budgetMs !== undefined ? { budgetMs } : {}),
        },
        ...(a.warmup !== undefined ? { warmup: a.warmup } : {}),
        ...(a.hold !== undefined ? { hold: a.hold } : {}),
        ...(a.drain !== undefined ? { drain: a.drain } : {}),
        slo,
        ...(a.seed !== undefined ? { seed: a.seed } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        ...(a.thinkScale !== undefined ? { thinkScale: a.thinkScale } : {}),
        ...(a.maxThink !== undefined ? { maxThink: a.maxThink } : {}),
        ...(a.connections !== undefined ? { connections: a.connections } : {}),
        ...(a.maxVus !== undefined ? { maxVUs: a.maxVus } : {}),
        ...(a.targetWorkers !== undefined
          ? { localTarget: { workers: a.targetWorkers, serviceTime: (a.targetServiceTime as string).trim() } }
          : {}),
        resultsDir: a.resultsDir,
        ...(a.runId !== undefined ? { runId: a.runId } : {}),
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        say: ctx.say,
      });
      if (res.engine === 'none') {
        if (res.dir) ctx.say(`results: ${res.dir}`);
        if (res.outcome === 'bad-input') throw new UsageError(res.message);
        ctx.say(`cartload capacity: ${res.message}`);
        return res.outcome === 'unavailable' ? EXIT.targetUnavailable : EXIT.error;
      }
      ctx.out(a.json ? `${JSON.stringify(res.file, null, 2)}\n` : res.text);
      ctx.say(`results: ${res.dir}`);
      return res.interrupted ? EXIT.interrupted : EXIT.ok;
    } finally {
      interrupts.dispose();
    }
  },
});
