// `cartload run [scenario]` (and `npm start`): a load test of the local target, or of --target /
// TALON_BASE_URL, with real k6 when one is installed and with the Node engine otherwise.
// Order: every flag, then everything the run reads (variables, profile, pools, results folder),
// then the guard rail; only then is a local target started or anything sent.
import type { Argv } from 'yargs';
import type { RunScenarioOptions } from '../../orchestrate/run.ts';
import type { CommandContext } from '../command.ts';
import { SCENARIO_DEFAULTS } from '../../scenarios/lib/defaults.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { durationFlag, numberFlag } from '../flags.ts';
import { confirmWrites } from '../guard.ts';
import { checkRunOptions, withRunOptions, type SharedRunArgs } from '../run-options.ts';

interface RunArgs extends SharedRunArgs {
  scenario: string;
  engine: 'auto' | 'k6' | 'node';
  rate?: number;
  duration?: string;
  seed?: number;
  profile?: string;
  thinkScale?: number;
  maxThink?: number;
  concurrency?: number;
  set?: string[];
  rateScale?: number;
  curveSpeed?: number;
  dayStart?: string;
  load?: string;
  segments?: number;
  local: boolean;
}

export default defineCommand<RunArgs>({
  command: 'run [scenario]',
  describe:
    'Run a load test scenario (default lifecycle) against the local target or --target, with k6 if installed, else the Node engine',
  builder: (y) =>
    withRunOptions(
      y
        .positional('scenario', {
          type: 'string',
          default: 'lifecycle',
          describe: `${Object.keys(SCENARIO_DEFAULTS).join(', ')} (and capacity, with k6)`,
        })
        .option('engine', {
          choices: ['auto', 'k6', 'node'] as const,
          default: 'auto' as const,
          describe: 'auto: k6 when found on K6_BIN or PATH, else node',
        })
        .option('rate', { type: 'number', describe: "Sessions started per second (env RATE; default the scenario's)" })
        .option('duration', {
          type: 'string',
          describe: 'How long sessions keep starting, e.g. 30s, 2m (env DURATION)',
        })
        .option('seed', { type: 'number', describe: 'Seed of the generated sessions (env SEED; default 1)' })
        .option('profile', { type: 'string', describe: 'Traffic profile: a preset or a JSON file (env PROFILE)' })
        .option('think-scale', {
          type: 'number',
          describe: "Multiplies the plans' think times; 0 = none (env THINK_SCALE)",
        })
        .option('max-think', { type: 'number', describe: 'Longest think time in seconds (env MAX_THINK; default 30)' })
        .option('set', {
          type: 'string',
          array: true,
          describe: 'What-if edit of the profile, key=value, e.g. couponShare=0.8 (repeatable; env PROFILE_SET)',
        })
        .option('rate-scale', {
          type: 'number',
          describe: "Follow the learned profile's recorded arrival curve times this (env RATE_SCALE)",
        })
        .option('curve-speed', {
          type: 'number',
          describe: 'Play the arrival curve this many times faster; 24 = a day in an hour (env CURVE_SPEED)',
        })
        .option('day-start', {
          type: 'string',
          describe: 'Start the arrival curve at this time of day, HH:MM UTC (env DAY_START)',
        })
        .option('load', {
          choices: ['load', 'stress', 'spike', 'soak'],
          describe: 'A named load shape (env LOAD); with --rate-scale, at that times the recorded peak',
        })
        .option('segments', {
          type: 'number',
          describe: 'Split the k6 test over N instances (execution segments): print their commands, one per machine',
        })
        .option('local', {
          type: 'boolean',
          default: false,
          describe: 'With --segments: run the N k6 instances here and merge their results',
        }),
      {
        target: 'Base URL of the deployment (default $TALON_BASE_URL, else a local target started for the run)',
        sessionPrefix:
          'Prefix of the generated session IDs (env SESSION_PREFIX; default cartload-<random>, new every run)',
        dry: 'Send every write with dry=true (env DRY)',
        gate: '(env ERROR_RATE; default 0.01)',
        latency: ['(env P95_MS; default 500)', '(env P99_MS; default 1000)'],
      },
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
    ) as unknown as Argv<RunArgs>,
  run: async (a, ctx) => {
    // 1. Flags, named as flags (the variables they become are checked again, by their names, for k6).
    const { connections } = checkRunOptions(a);
    if (a.rate !== undefined) numberFlag('rate', a.rate, { above: 0 });
    if (a.duration !== undefined) durationFlag('duration', a.duration);
    if (a.seed !== undefined && !Number.isSafeInteger(a.seed))
      throw new UsageError(`--seed ${a.seed}: must be a whole number`);
    if (a.thinkScale !== undefined) numberFlag('think-scale', a.thinkScale, { min: 0 });
    if (a.maxThink !== undefined) numberFlag('max-think', a.maxThink, { min: 0 });
    if (a.rateScale !== undefined) numberFlag('rate-scale', a.rateScale, { above: 0 });
    if (a.curveSpeed !== undefined) numberFlag('curve-speed', a.curveSpeed, { above: 0 });
    if (a.dayStart !== undefined && !/^([01]?\d|2[0-3]):[0-5]\d$/.test(a.dayStart))
      throw new UsageError(`--day-start ${a.dayStart}: a time of day HH:MM (UTC)`);
    if (a.local && a.segments === undefined)
      throw new UsageError('--local runs the instances of --segments N: add --segments');
    // 2. What the run reads, resolved; nothing started.
    const { describeRun, prepareRun, startRun } = await import('../../orchestrate/run.ts');
    const options = {
      scenario: a.scenario,
      engine: a.engine,
      env: ctx.env,
      ...(a.target !== undefined ? { target: a.target } : {}),
      ...(a.rate !== undefined ? { rate: a.rate } : {}),
      ...(a.duration !== undefined ? { duration: a.duration } : {}),
      ...(a.seed !== undefined ? { seed: a.seed } : {}),
      ...(a.profile !== undefined ? { profile: a.profile } : {}),
      ...(a.thinkScale !== undefined ? { thinkScale: a.thinkScale } : {}),
      ...(a.maxThink !== undefined ? { maxThink: a.maxThink } : {}),
      ...(a.set ? { set: a.set } : {}),
      ...(a.rateScale !== undefined ? { rateScale: a.rateScale } : {}),
      ...(a.curveSpeed !== undefined ? { curveSpeed: a.curveSpeed } : {}),
      ...(a.dayStart !== undefined ? { dayStart: a.dayStart } : {}),
      ...(a.load !== undefined ? { load: a.load } : {}),
      ...(a.sessionPrefix !== undefined ? { sessionPrefix: a.sessionPrefix } : {}),
      ...(a.maxErrorRate !== undefined ? { maxErrorRate: a.maxErrorRate } : {}),
      ...(a.p95Ms !== undefined ? { p95Ms: a.p95Ms } : {}),
      ...(a.p99Ms !== undefined ? { p99Ms: a.p99Ms } : {}),
      dry: a.dry,
      connections,
      resultsDir: a.resultsDir,
      ...(a.runId !== undefined ? { runId: a.runId } : {}),
      say: ctx.say,
      k6Stdout: ctx.out,
      k6Stderr: (c: string) => void ctx.io.stderr.write(c),
    };
    if (a.segments !== undefined) return runSegmentsCommand(a, options, ctx);
    const prepared = await prepareRun(options);
    // 3. The guard rail: a named deployment that is not this machine, and not dry.
    if (prepared.named !== undefined) {
      await confirmWrites(
        {
          command: 'cartload run',
          target: prepared.named,
          dry: prepared.dry,
          yes: a.yes,
          details: describeRun(prepared),
        },
        ctx,
      );
    }
    // 4. Start.
    const { trapInterrupts } = await import('../../engine/interrupts.ts');
    const interrupts = trapInterrupts(ctx.say);
    try {
      const res = await startRun(prepared, {
        ...options,
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        ...(a.progress ? { progress: ctx.io.stderr } : {}),
      });
      if (res.engine === 'k6') {
        if (res.conversionError) ctx.say(`cartload run: ${res.conversionError}`);
        ctx.say(`results: ${res.dir}`);
        // k6's own exit code, as CI expects it (99 = thresholds crossed).
        return res.interrupted ? EXIT.interrupted : res.exitCode;
      }
      const { reportResult } = await import('../results.ts');
      return await reportResult('run', res.result, ctx);
    } finally {
      interrupts.dispose();
    }
  },
});

/** --segments N: the instances' commands on stdout, or (--local) their merged run. */
async function runSegmentsCommand(a: RunArgs, options: RunScenarioOptions, ctx: CommandContext): Promise<number> {
  const named = (options.target ?? ctx.env.TALON_BASE_URL ?? '').trim();
  // Only --local sends anything from here; the printed commands run elsewhere.
  if (a.local && named !== '') {
    await confirmWrites(
      {
        command: 'cartload run --segments --local',
        target: named,
        dry: a.dry,
        yes: a.yes,
        details: [['instances', `${a.segments} k6 processes, one execution segment each`]],
      },
      ctx,
    );
  }
  const { runSegments } = await import('../../orchestrate/run-segments.ts');
  const { trapInterrupts } = await import('../../engine/interrupts.ts');
  const interrupts = trapInterrupts(ctx.say);
  try {
    const res = await runSegments({
      ...options,
      segments: a.segments as number,
      local: a.local,
      signal: interrupts.signal,
      k6Stdout: (c: string) => void ctx.io.stderr.write(c),
    });
    switch (res.mode) {
      case 'none':
        ctx.say(`cartload run: ${res.message}`);
        return res.outcome === 'unavailable' ? EXIT.targetUnavailable : EXIT.badInput;
      case 'commands':
        ctx.say(`built ${res.bundle}; run each line below on its own machine (or core), then merge:`);
        ctx.out(`${res.commands.join('\n')}\n`);
        return EXIT.ok;
      case 'local': {
        for (const r of res.instances)
          ctx.say(`instance ${r.instance.index} (${r.instance.segment}): k6 exited ${r.exitCode}, results ${r.dir}`);
        if (res.merged) {
          const { renderSummaryText } = await import('../../report/text.ts');
          ctx.out(renderSummaryText(res.merged.summary));
        }
        if (res.mergeError) ctx.say(`cartload run: the instances' results did not merge: ${res.mergeError}`);
        ctx.say(`results: ${res.dir}`);
        return res.exitCode;
      }
    }
  } finally {
    interrupts.dispose();
  }
}
