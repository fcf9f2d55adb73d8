// `cartload build` (`npm run build`): bundles the k6 scenarios into dist/ and writes their pools.
import { relative, resolve } from 'node:path';
import { DEFAULT_RESULTS_DIR } from '../../model/conventions.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';

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
      .option('pools', {
        type: 'string',
        describe: 'Ship this pools.json (e.g. your own SKUs and codes) instead of generated pools',
      })
      .option('profile', {
        type: 'string',
        describe:
          'Ship this profile file (e.g. one from cartload learn) as profile.json; run with PROFILE=./profile.json',
      })
      .option('entry', {
        type: 'string',
        array: true,
        describe: 'Bundle only these entry files (default: every scenarios/*.ts)',
      }),
  run: async (args, ctx) => {
    if (!Number.isSafeInteger(args.seed)) throw new UsageError(`--seed ${args.seed}: must be a whole number`);
    const { checkDirWritable } = await import('../../io/dirs.ts');
    await checkDirWritable(args['out-dir'], '--out-dir');
    const { access } = await import('node:fs/promises');
    for (const [flag, file] of [
      ...(args.pools ? [['pools', args.pools]] : []),
      ...(args.profile ? [['profile', args.profile]] : []),
      ...(args.entry ?? []).map((e) => ['entry', e]),
    ] as [string, string][]) {
      await access(file).catch(() => {
        throw new UsageError(`--${flag} ${file}: no such file`);
      });
    }
    const { buildScenarios, formatBytes } = await import('../../bundle/index.ts');
    // Paths on the command line are the user's, relative to where they run it.
    const report = await buildScenarios({
      outDir: resolve(args['out-dir']),
      seed: args.seed,
      // `k6 run dist/<name>.js` from here writes its results into results/, which k6 cannot create.
      resultsDir: resolve(DEFAULT_RESULTS_DIR),
      ...(args.pools ? { pools: resolve(args.pools) } : {}),
      ...(args.profile ? { profile: resolve(args.profile) } : {}),
      ...(args.entry?.length ? { entries: args.entry.map((e) => resolve(e)) } : {}),
    });
    const cwd = process.cwd();
    const rows: [string, string, string][] = report.bundles.map((b) => [
      relative(cwd, b.file),
      formatBytes(b.bytes),
      '',
    ]);
    if (report.pools) {
      const p = report.pools;
      rows.push([
        relative(cwd, p.file),
        formatBytes(p.bytes),
        p.source === 'file' ? `(from ${p.from})` : `(generated, seed ${p.seed})`,
      ]);
    }
    if (report.profile)
      rows.push([relative(cwd, report.profile.file), '', `(profile "${report.profile.name}"; PROFILE=./profile.json)`]);
    if (report.resultsDir)
      rows.push([`${relative(cwd, report.resultsDir) || '.'}/`, '', '(k6 runs write their results here)']);
    const width = Math.max(...rows.map(([f]) => f.length)) + 2;
    for (const [file, size, note] of rows)
      ctx.out(`${`  ${file.padEnd(width)}${size.padStart(10)}  ${note}`.trimEnd()}\n`);
    const first = report.bundles.find((b) => b.name === 'smoke') ?? report.bundles[0];
    ctx.out(
      `built ${report.bundles.length} k6 bundle(s)${first ? `; run one with: k6 run ${relative(cwd, first.file)}` : ''}\n`,
    );
    return EXIT.ok;
  },
});
