// `cartload generate`: seeded session plans as NDJSON or as the request-log CSV that replay reads.
import type { Argv } from 'yargs';
import type { GenerateFormat } from '../../generators/generate.ts';
import { PRESET_NAMES } from '../../generators/profiles.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { idPartFlag, numberFlag, wholeFlag } from '../flags.ts';

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

const FORMATS = ['ndjson', 'csv'] as const satisfies readonly GenerateFormat[];

export default defineCommand<GenerateArgs>({
  command: 'generate',
  describe: 'Write seeded customer-session plans (NDJSON, one plan a line) or a request-log CSV (one row a step)',
  builder: (y) =>
    y
      .option('sessions', { alias: 'n', type: 'number', demandOption: true, describe: 'How many sessions' })
      .option('seed', {
        type: 'string',
        default: '1',
        describe: 'Seed: the same seed, profile and pools give byte-identical output',
      })
      .option('profile', {
        type: 'string',
        default: 'default',
        describe: `Traffic profile: a preset (${PRESET_NAMES.join(', ')}) or a JSON file`,
      })
      .option('set', {
        type: 'string',
        array: true,
        describe: 'What-if edit of the profile, key=value, e.g. couponShare=0.8 (repeatable)',
      })
      .option('format', {
        choices: FORMATS,
        default: 'ndjson' as GenerateFormat,
        describe: 'ndjson (session plans) or csv (request log)',
      })
      .option('out', {
        alias: 'o',
        type: 'string',
        describe: 'Output file (.gz compresses); default (or -) standard output',
      })
      .option('pools', {
        type: 'string',
        describe: 'A pools.json (cartload pools) instead of pools generated from --seed',
      })
      .option('csv', {
        type: 'string',
        array: true,
        describe: 'Replace a pool with a CSV column: <pool>=<file.csv> (repeatable)',
      })
      .option('rate', {
        type: 'number',
        default: 10,
        describe: 'Sessions per second, for the CSV timestamps (session i starts at --start + i/rate)',
      })
      .option('start', {
        type: 'string',
        describe: 'Time of the first session in the CSV (ISO 8601); default 2026-01-01T00:00:00Z',
      })
      .option('first-index', {
        type: 'number',
        default: 0,
        describe: 'Index of the first session (split one seed over several files)',
      })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('session-prefix', {
        type: 'string',
        describe: 'Prefix of session and guest IDs (default cartload)',
      }) as unknown as Argv<GenerateArgs>,
  run: async (a, ctx) => {
    wholeFlag('sessions', a.sessions, 1);
    idPartFlag('seed', a.seed);
    numberFlag('rate', a.rate, { above: 0 });
    wholeFlag('first-index', a.firstIndex, 0);
    if (a.sessionPrefix !== undefined) idPartFlag('session-prefix', a.sessionPrefix);
    const start = a.start === undefined ? undefined : Date.parse(a.start);
    if (start !== undefined && Number.isNaN(start))
      throw new UsageError(`--start ${a.start}: not an ISO 8601 time (2026-01-31T18:00:00Z)`);
    const out = a.out === '-' ? undefined : a.out;
    if (out !== undefined) {
      const { checkOutputFile } = await import('../../io/output.ts');
      await checkOutputFile(out, '--out');
    }
    const { runGenerate } = await import('../../generators/run.ts');
    const controller = new AbortController();
    const interrupt = (): void => controller.abort();
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    try {
      const r = await runGenerate({
        sessions: a.sessions,
        seed: a.seed,
        profile: a.profile,
        ...(a.set ? { set: a.set } : {}),
        format: a.format,
        out,
        pools: a.pools,
        csv: a.csv,
        rate: a.rate,
        start,
        firstIndex: a.firstIndex,
        sessionPrefix: a.sessionPrefix,
        stdout: ctx.io.stdout,
        signal: controller.signal,
      });
      const kinds = Object.entries(r.byKind)
        .sort()
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      ctx.say(
        `generated ${r.sessions} session${r.sessions === 1 ? '' : 's'}, ${r.steps} steps (${kinds}) with profile ${r.profile.name} → ${r.out === '-' ? 'standard output' : r.out}`,
      );
      return r.interrupted ? EXIT.interrupted : EXIT.ok;
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
    }
  },
});
