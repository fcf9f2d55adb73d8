// `cartload run [scenario]` (and `npm start`): a load test of the local target, or of
// TALON_BASE_URL, with real k6 when one is installed and with the Node engine otherwise.
import type { Argv } from 'yargs';
import { BuildError } from '../../bundle/index.ts';
import { PoolsError } from '../../generators/pools.ts';
import { ProfileError } from '../../generators/profiles.ts';
import { trapInterrupts } from '../../engine/interrupts.ts';
import { checkRunId } from '../../engine/run-id.ts';
import { runScenario } from '../../orchestrate/run.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { reportResult } from './replay.ts';

interface RunArgs {
  scenario: string;
  engine: 'auto' | 'k6' | 'node';
  rate?: number;
  duration?: string;
  seed?: number;
  profile?: string;
  thinkScale?: number;
  maxThink?: number;
  dry: boolean;
  set?: string[];
  rateScale?: number;
  curveSpeed?: number;
  dayStart?: string;
  load?: string;
  connections: number;
  resultsDir: string;
  runId?: string;
  progress: boolean;
}

export default defineCommand<RunArgs>({
  command: 'run [scenario]',
  describe: 'Run a load test scenario (default lifecycle) against the local target or $TALON_BASE_URL, with k6 if installed, else the Node engine',
  builder: (y) =>
    y
      .positional('scenario', { type: 'string', default: 'lifecycle', describe: 'lifecycle, smoke, dry-run, big-carts (and capacity, with k6)' })
      .option('engine', { choices: ['auto', 'k6', 'node'] as const, default: 'auto' as const, describe: 'auto: k6 when found on K6_BIN or PATH, else node' })
      .option('rate', { type: 'number', describe: 'Sessions started per second (env RATE; default the scenario\'s)' })
      .option('duration', { type: 'string', describe: 'How long sessions keep starting, e.g. 30s, 2m (env DURATION)' })
      .option('seed', { type: 'number', describe: 'Seed of the generated sessions (env SEED; default 1)' })
      .option('profile', { type: 'string', describe: 'Traffic profile: a preset or a JSON file (env PROFILE)' })
      .option('think-scale', { type: 'number', describe: 'Multiplies the plans\' think times; 0 = none (env THINK_SCALE)' })
      .option('max-think', { type: 'number', describe: 'Longest think time in seconds (env MAX_THINK; default 30)' })
      .option('dry', { type: 'boolean', default: false, describe: 'Send every write with dry=true (env DRY)' })
      .option('set', { type: 'string', array: true, describe: 'What-if edit of the profile, key=value, e.g. couponShare=0.8 (repeatable; env PROFILE_SET)' })
      .option('rate-scale', { type: 'number', describe: 'Follow the learned profile\'s recorded arrival curve × this (env RATE_SCALE)' })
      .option('curve-speed', { type: 'number', describe: 'Play the arrival curve this many times faster, 24 = a day in an hour (env CURVE_SPEED)' })
      .option('day-start', { type: 'string', describe: 'Start the arrival curve at this time of day, HH:MM UTC (env DAY_START)' })
      .option('load', { choices: ['load', 'stress', 'spike', 'soak'], describe: 'A named load shape (env LOAD); with --rate-scale its rate is that × the recorded peak' })
      .option('connections', { type: 'number', default: 64, describe: 'Node engine: connections and the cap on requests in flight' })
      .option('results-dir', { type: 'string', default: 'results', describe: 'Where the run folder <run-id>/ is written (env RESULTS_DIR)' })
      .option('run-id', { type: 'string', describe: 'Name of the run folder (default UTC time + random)' })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('progress', { type: 'boolean', default: true, describe: 'Node engine: live progress on stderr (--no-progress to silence)' }) as unknown as Argv<RunArgs>,
  run: async (a) => {
    if (a.runId !== undefined) {
      const bad = checkRunId(a.runId);
      if (bad) throw new UsageError(bad);
    }
    const interrupts = trapInterrupts((m) => console.error(m));
    try {
      const res = await runScenario({
        scenario: a.scenario,
        engine: a.engine,
        env: process.env,
        ...(a.rate !== undefined ? { rate: a.rate } : {}),
        ...(a.duration !== undefined ? { duration: a.duration } : {}),
        ...(a.seed !== undefined ? { seed: a.seed } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        ...(a.thinkScale !== undefined ? { thinkScale: a.thinkScale } : {}),
        ...(a.maxThink !== undefined ? { maxThink: a.maxThink } : {}),
        dry: a.dry,
        ...(a.set ? { set: a.set } : {}),
        ...(a.rateScale !== undefined ? { rateScale: a.rateScale } : {}),
        ...(a.curveSpeed !== undefined ? { curveSpeed: a.curveSpeed } : {}),
        ...(a.dayStart !== undefined ? { dayStart: a.dayStart } : {}),
        ...(a.load !== undefined ? { load: a.load } : {}),
        connections: a.connections,
        resultsDir: a.resultsDir,
        ...(a.runId !== undefined ? { runId: a.runId } : {}),
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        ...(a.progress ? { progress: process.stderr } : {}),
        say: (line) => console.error(line),
        k6Stdout: (c) => process.stdout.write(c),
        k6Stderr: (c) => process.stderr.write(c),
      });
      switch (res.engine) {
        case 'none':
          console.error(`cartload run: ${res.message}`);
          return res.outcome === 'unavailable' ? EXIT.targetUnavailable : EXIT.badInput;
        case 'k6':
          console.error(`results: ${res.dir}`);
          // k6's own exit code, as CI expects it (99 = thresholds crossed).
          return res.interrupted ? EXIT.interrupted : res.exitCode;
        case 'node':
          return reportResult('run', res.result);
      }
    } catch (err) {
      if (err instanceof ProfileError || err instanceof PoolsError || err instanceof BuildError) throw new UsageError(err.message);
      throw err;
    } finally {
      interrupts.dispose();
    }
  },
});
