// `cartload build` (`npm run build`): bundles the k6 scenarios into dist/ and writes their pools.
import { relative, resolve } from 'node:path';
import { BuildError, buildScenarios, formatBytes } from '../../bundle/index.ts';
import { defineCommand, EXIT } from '../command.ts';

interface BuildArgs {
  'out-dir': string;
  seed: number;
  pools?: string;
  profile?: string;
  entry?: string[];
}

export default defineCommand<BuildArgs>({
  command: 'build',
  describe: 'Bundle the k6 scenarios (scenarios/*.ts) into dist/<name>.js with their data pools',
  builder: (y) =>
    y
      .option('out-dir', { type: 'string', default: 'dist', describe: 'Where the bundles and pools.json go' })
      .option('seed', { type: 'number', default: 1, describe: 'Seed for the generated data pools' })
      .option('pools', { type: 'string', describe: 'Ship this pools.json (e.g. your own SKUs and codes) instead of generated pools' })
      .option('profile', { type: 'string', describe: 'Ship this profile file (e.g. one from cartload learn) as profile.json; run with PROFILE=./profile.json' })
      .option('entry', { type: 'string', array: true, describe: 'Bundle only these entry files (default: every scenarios/*.ts)' })
      .check((a) => {
        if (!Number.isSafeInteger(a.seed)) throw new Error(`--seed must be an integer, got ${String(a.seed)}`);
        return true;
      }),
  run: async (args) => {
    try {
      // Paths on the command line are the user's, relative to where they run it.
      const report = await buildScenarios({
        outDir: resolve(args['out-dir']),
        seed: args.seed,
        ...(args.pools ? { pools: resolve(args.pools) } : {}),
        ...(args.profile ? { profile: resolve(args.profile) } : {}),
        ...(args.entry?.length ? { entries: args.entry.map((e) => resolve(e)) } : {}),
      });
      const cwd = process.cwd();
      const rows: [string, string, string][] = report.bundles.map((b) => [relative(cwd, b.file), formatBytes(b.bytes), '']);
      if (report.pools) {
        const p = report.pools;
        rows.push([relative(cwd, p.file), formatBytes(p.bytes), p.source === 'file' ? `(from ${p.from})` : `(generated, seed ${p.seed})`]);
      }
      if (report.profile) rows.push([relative(cwd, report.profile.file), '', `(profile "${report.profile.name}"; PROFILE=./profile.json)`]);
      const width = Math.max(...rows.map(([f]) => f.length)) + 2;
      for (const [file, size, note] of rows) console.log(`  ${file.padEnd(width)}${size.padStart(10)}  ${note}`.trimEnd());
      const first = report.bundles.find((b) => b.name === 'smoke') ?? report.bundles[0];
      console.log(`built ${report.bundles.length} k6 bundle(s)${first ? `; run one with: k6 run ${relative(cwd, first.file)}` : ''}`);
      return EXIT.ok;
    } catch (err) {
      if (err instanceof BuildError) {
        console.error(err.message);
        return EXIT.badInput;
      }
      throw err;
    }
  },
});
