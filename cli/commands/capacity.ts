// `cartload capacity`: how much traffic the target sustains within the SLO, found by a search of
// probes with k6 or the Node engine; `--from <run>` judges a finished run again (another SLO).
import type { Argv } from 'yargs';
import { BuildError } from '../../bundle/index.ts';
import { PoolsError } from '../../generators/pools.ts';
import { ProfileError } from '../../generators/profiles.ts';
import { trapInterrupts } from '../../engine/interrupts.ts';
import { checkRunId } from '../../engine/run-id.ts';
import { capacityFromRun, CapacityInputError } from '../../orchestrate/capacity-report.ts';
import { CAPACITY_DEFAULTS, runCapacity } from '../../orchestrate/capacity/index.ts';
import { DEFAULT_SEARCH } from '../../orchestrate/capacity/search.ts';
import { parseK6Duration } from '../../model/duration.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';

interface CapacityArgs {
  engine: 'auto' | 'k6' | 'node';
  from?: string;
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
  describe: 'Find the highest rate the target sustains within the SLO (a search of probes with k6 or the Node engine); --from <run> judges a finished run again',
  builder: (y) =>
    y
      .option('engine', { choices: ['auto', 'k6', 'node'] as const, default: 'auto' as const, describe: 'auto: k6 when found on K6_BIN or PATH, else node' })
      .option('from', { type: 'string', describe: 'Judge a finished capacity run again (its folder, capacity.json or k6-summary.json), e.g. under another SLO; runs nothing' })
      .option('start', { type: 'number', describe: `First rate, sessions/s (default ${CAPACITY_DEFAULTS.start})` })
      .option('growth', { type: 'number', describe: `Coarse steps: each rate is the previous × this until the SLO breaks (default ${DEFAULT_SEARCH.growth})` })
      .option('tolerance', { type: 'string', describe: `Refine until the bracket between the last good and the first bad rate is this narrow (default ${100 * DEFAULT_SEARCH.tolerance}%)` })
      .option('max-rate', { type: 'number', describe: 'Never offer more than this, sessions/s' })
      .option('min-rate', { type: 'number', describe: `When the first rate breaks the SLO, step down to this at the lowest (default ${DEFAULT_SEARCH.minRate})` })
      .option('max-probes', { type: 'number', describe: `Most probes (default ${DEFAULT_SEARCH.maxProbes})` })
      .option('max-duration', { type: 'string', describe: 'Start no probe that would end after this long, e.g. 3m' })
      .option('warmup', { type: 'string', describe: `Each probe: time at its rate before measuring (default ${CAPACITY_DEFAULTS.warmup}; longer than a session with think times)` })
      .option('hold', { type: 'string', describe: `Each probe: time measured (default ${CAPACITY_DEFAULTS.hold})` })
      .option('drain', { type: 'string', describe: `After each hold, time for requests still in flight (default ${CAPACITY_DEFAULTS.drain})` })
      .option('p95-ms', { type: 'number', describe: 'SLO: p95 latency, ms (env P95_MS; default 500)' })
      .option('p99-ms', { type: 'number', describe: 'SLO: p99 latency, ms (env P99_MS; default 1000)' })
      .option('error-rate', { type: 'string', describe: 'SLO: largest share of failed requests, e.g. 1% or 0.01 (env ERROR_RATE; default 1%)' })
      .option('seed', { type: 'number', describe: 'Seed of the generated sessions (env SEED; default 1)' })
      .option('profile', { type: 'string', describe: 'Traffic profile: a preset or a JSON file (env PROFILE)' })
      .option('think-scale', { type: 'number', describe: `Multiplies the plans' think times (default ${CAPACITY_DEFAULTS.thinkScale}: each step right after the previous answer)` })
      .option('max-think', { type: 'number', describe: 'Longest think time in seconds (env MAX_THINK; default 30)' })
      .option('connections', { type: 'number', describe: `Node engine: connections and the cap on requests in flight (default ${CAPACITY_DEFAULTS.connections})` })
      .option('max-vus', { type: 'number', describe: 'k6: the most VUs (env MAX_VUS; default 60 × the rate)' })
      .option('target-workers', { type: 'number', describe: 'Without TALON_BASE_URL: the local target’s workers (with --target-service-time)' })
      .option('target-service-time', { type: 'string', describe: 'Without TALON_BASE_URL: the local target’s service time, ms (with --target-workers)' })
      .option('results-dir', { type: 'string', default: 'results', describe: 'Where the run folder <run-id>/ is written' })
      .option('run-id', { type: 'string', describe: 'Name of the run folder (default UTC time + random)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print capacity.json instead of the text report' }) as unknown as Argv<CapacityArgs>,
  run: async (a) => {
    const errorRate = a.errorRate === undefined ? undefined : parseShare('error-rate', a.errorRate);
    const slo = { p95Ms: a.p95Ms, p99Ms: a.p99Ms, errorRate };
    if (a.from !== undefined) {
      try {
        const r = await capacityFromRun(a.from, slo);
        process.stdout.write(a.json ? `${JSON.stringify(r.file, null, 2)}\n` : r.text);
        return EXIT.ok;
      } catch (err) {
        if (err instanceof CapacityInputError) throw new UsageError(err.message);
        throw err;
      }
    }
    if (a.runId !== undefined) {
      const bad = checkRunId(a.runId);
      if (bad) throw new UsageError(bad);
    }
    if ((a.targetWorkers === undefined) !== (a.targetServiceTime === undefined)) throw new UsageError('--target-workers and --target-service-time go together');
    if (a.targetWorkers !== undefined && (process.env.TALON_BASE_URL ?? '').trim() !== '') throw new UsageError('--target-workers configures the local target: unset TALON_BASE_URL, or drop it');
    let budgetMs: number | undefined;
    if (a.maxDuration !== undefined) {
      const d = parseK6Duration(a.maxDuration);
      if ('error' in d || !(d.ms > 0)) throw new UsageError(`--max-duration ${a.maxDuration}: use a duration such as 3m or 90s`);
      budgetMs = d.ms;
    }
    const interrupts = trapInterrupts((m) => console.error(m));
    try {
      const res = await runCapacity({
        engine: a.engine,
        env: process.env,
        search: {
          ...(a.start !== undefined ? { start: a.start } : {}),
          ...(a.growth !== undefined ? { growth: a.growth } : {}),
          ...(a.tolerance !== undefined ? { tolerance: parseShare('tolerance', a.tolerance) } : {}),
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
        ...(a.targetWorkers !== undefined ? { localTarget: { workers: a.targetWorkers, serviceTime: a.targetServiceTime as string } } : {}),
        resultsDir: a.resultsDir,
        ...(a.runId !== undefined ? { runId: a.runId } : {}),
        signal: interrupts.signal,
        hardSignal: interrupts.hard,
        say: (line) => console.error(line),
      });
      if (res.engine === 'none') {
        if (res.dir) console.error(`results: ${res.dir}`);
        console.error(`cartload capacity: ${res.message}`);
        return res.outcome === 'bad-input' ? EXIT.badInput : res.outcome === 'unavailable' ? EXIT.targetUnavailable : EXIT.error;
      }
      process.stdout.write(a.json ? `${JSON.stringify(res.file, null, 2)}\n` : res.text);
      console.error(`results: ${res.dir}`);
      return res.interrupted ? EXIT.interrupted : EXIT.ok;
    } catch (err) {
      if (err instanceof ProfileError || err instanceof PoolsError || err instanceof BuildError) throw new UsageError(err.message);
      throw err;
    } finally {
      interrupts.dispose();
    }
  },
});
