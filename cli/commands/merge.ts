// `cartload merge <run>…`: the parts of one split test (k6 instances on execution segments, replay
// shards) as one run folder with one threshold verdict.
import type { Argv } from 'yargs';
import { checkRunId } from '../../model/run-id.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';

interface MergeArgs {
  runs: string[];
  out?: string;
  runId?: string;
  resultsDir: string;
}

export default defineCommand<MergeArgs>({
  command: 'merge <runs..>',
  describe:
    'Merge the runs of one split test (k6 segments, replay shards) into one run folder: percentiles recomputed from the histograms, thresholds judged again; exit 99 when one is crossed',
  builder: (y) =>
    y
      .positional('runs', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'Run folders (or their results.json), two or more',
      })
      .option('run-id', { type: 'string', describe: 'ID of the merged run (default: the first run\'s ID + "-merged")' })
      .option('results-dir', {
        type: 'string',
        default: 'results',
        describe: 'Where the merged run folder <run-id>/ is written',
      })
      .option('out', {
        type: 'string',
        describe: 'The merged run folder (default <results-dir>/<run-id>)',
      }) as unknown as Argv<MergeArgs>,
  run: async (a, ctx) => {
    if (a.runId !== undefined) {
      const bad = checkRunId(a.runId);
      if (bad) throw new UsageError(`--run-id ${bad}`);
    }
    if (a.runs.length < 2) throw new UsageError(`merge needs at least two runs (got ${a.runs.length})`);
    const { checkDirWritable, checkRunFolderFree } = await import('../../io/dirs.ts');
    if (a.out !== undefined) await checkDirWritable(a.out, '--out');
    else await checkDirWritable(a.resultsDir, '--results-dir');
    if (a.out === undefined && a.runId !== undefined) await checkRunFolderFree(a.resultsDir, a.runId);
    const { mergeRunFolders } = await import('../../report/runs.ts');
    const { renderSummaryText } = await import('../../report/text.ts');
    const merged = await mergeRunFolders(a.runs, {
      resultsDir: a.resultsDir,
      ...(a.out !== undefined ? { out: a.out } : {}),
      ...(a.runId !== undefined ? { runId: a.runId } : {}),
    });
    ctx.out(renderSummaryText(merged.summary));
    ctx.say(`results: ${merged.dir}`);
    if (!merged.ok) {
      ctx.say(`cartload merge: thresholds crossed (exit ${EXIT.thresholdsCrossed})`);
      return EXIT.thresholdsCrossed;
    }
    return EXIT.ok;
  },
});
