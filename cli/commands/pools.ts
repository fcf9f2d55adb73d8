// `cartload pools`: writes the seeded data pools (pools.json) that k6 loads through SharedArray,
// optionally with pools replaced by the user's CSV files.
import { PoolsError } from '../../generators/pools.ts';
import { OutputError, runPools } from '../../generators/run.ts';
import { defineCommand, EXIT } from '../command.ts';

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
      .option('csv', { type: 'string', array: true, describe: 'Replace a pool with a CSV column: <pool>=<file.csv> (repeatable)' }),
  run: async (args) => {
    try {
      const sizes = await runPools({ seed: args.seed, out: args.out, pools: args.pools, csv: args.csv });
      console.error(`wrote ${args.out}: ${Object.entries(sizes).map(([k, n]) => `${k} ${n}`).join(', ')}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof PoolsError || err instanceof OutputError) {
        console.error(`cartload pools: ${err.message}`);
        return EXIT.badInput;
      }
      throw err;
    }
  },
});
