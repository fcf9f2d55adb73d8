// `cartload pools`: writes the seeded data pools (pools.json) that k6 loads through SharedArray,
// optionally with pools replaced by the user's CSV files.
import { defineCommand, EXIT } from '../command.ts';
import { idPartFlag } from '../flags.ts';

interface PoolsArgs {
  seed: string;
  out: string;
  pools?: string;
  csv?: string[];
}

export default defineCommand<PoolsArgs>({
  command: 'pools',
  describe: 'Write the data pools (catalog, stores, codes, profiles) as one pools.json',
  builder: (y) =>
    y
      .option('seed', { type: 'string', default: '1', describe: 'Seed of the generated pools' })
      .option('out', { alias: 'o', type: 'string', default: 'pools.json', describe: 'Output file' })
      .option('pools', { type: 'string', describe: 'Start from this pools.json instead of generating' })
      .option('csv', {
        type: 'string',
        array: true,
        describe: 'Replace a pool with a CSV column: <pool>=<file.csv> (repeatable)',
      }),
  run: async (a, ctx) => {
    idPartFlag('seed', a.seed);
    const { checkOutputFile } = await import('../../io/output.ts');
    await checkOutputFile(a.out, '--out');
    const { runPools } = await import('../../generators/run.ts');
    const sizes = await runPools({ seed: a.seed, out: a.out, pools: a.pools, csv: a.csv });
    ctx.say(
      `wrote ${a.out}: ${Object.entries(sizes)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    return EXIT.ok;
  },
});
