// `cartload generate`: seeded session plans as NDJSON or as the request-log CSV that replay reads.
import type { Argv } from 'yargs';
import { GENERATE_FORMATS, type GenerateFormat } from '../../generators/generate.ts';
import { PRESET_NAMES, ProfileError } from '../../generators/profiles.ts';
import { PoolsError } from '../../generators/pools.ts';
import { OutputError, runGenerate } from '../../generators/run.ts';
import { defineCommand, EXIT } from '../command.ts';

interface GenerateArgs {
  sessions: number;
  seed: string;
  profile: string;
  set?: string[];
  format: GenerateFormat;
  out?: string;
  pools?: string;
  csv?: string[];
  rate: number;
  start?: string;
  firstIndex: number;
  sessionPrefix?: string;
}

export default defineCommand<GenerateArgs>({
  command: 'generate',
  describe: 'Write seeded customer-session plans (NDJSON, one plan a line) or a request-log CSV (one row a step)',
  builder: (y) =>
    y
      .option('sessions', { alias: 'n', type: 'number', demandOption: true, describe: 'How many sessions' })
      .option('seed', { type: 'string', default: '1', describe: 'Seed: the same seed, profile and pools give byte-identical output' })
      .option('profile', { type: 'string', default: 'default', describe: `Traffic profile: a preset (${PRESET_NAMES.join(', ')}) or a JSON file` })
      .option('set', { type: 'string', array: true, describe: 'What-if edit of the profile, key=value, e.g. couponShare=0.8 (repeatable)' })
      .option('format', { choices: GENERATE_FORMATS, default: 'ndjson' as GenerateFormat, describe: 'ndjson (session plans) or csv (request log)' })
      .option('out', { alias: 'o', type: 'string', describe: 'Output file (.gz compresses); default standard output' })
      .option('pools', { type: 'string', describe: 'A pools.json (cartload pools) instead of pools generated from --seed' })
      .option('csv', { type: 'string', array: true, describe: 'Replace a pool with a CSV column: <pool>=<file.csv> (repeatable)' })
      .option('rate', { type: 'number', default: 10, describe: 'Sessions per second, for the CSV timestamps (session i starts at --start + i/rate)' })
      .option('start', { type: 'string', describe: 'Time of the first session in the CSV (ISO 8601); default 2026-01-01T00:00:00Z' })
      .option('first-index', { type: 'number', default: 0, describe: 'Index of the first session (split one seed over several files)' })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('session-prefix', { type: 'string', describe: 'Prefix of session and guest IDs (default cartload)' }) as unknown as Argv<GenerateArgs>,
  run: async (args) => {
    const start = args.start === undefined ? undefined : Date.parse(args.start);
    if (start !== undefined && Number.isNaN(start)) {
      console.error(`cartload generate: --start "${args.start}" is not an ISO 8601 time`);
      return EXIT.badInput;
    }
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const r = await runGenerate({
        sessions: args.sessions,
        seed: args.seed,
        profile: args.profile,
        ...(args.set ? { set: args.set } : {}),
        format: args.format,
        out: args.out,
        pools: args.pools,
        csv: args.csv,
        rate: args.rate,
        start,
        firstIndex: args.firstIndex,
        sessionPrefix: args.sessionPrefix,
        stdout: process.stdout,
        signal: controller.signal,
      });
      const kinds = Object.entries(r.byKind)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      console.error(`generated ${r.sessions} sessions, ${r.steps} steps (${kinds}) with profile ${r.profile.name} → ${r.out}`);
      return r.interrupted ? EXIT.interrupted : EXIT.ok;
    } catch (err) {
      if (err instanceof ProfileError || err instanceof PoolsError || err instanceof RangeError || err instanceof OutputError) {
        console.error(`cartload generate: ${err.message}`);
        return EXIT.badInput;
      }
      throw err;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
});
