// `cartload convert <k6.csv>`: a plain `k6 run --out csv=FILE`'s metric stream into a run folder
// (results.json, summary.json, summary.txt, report.html), as `cartload run` does for its k6 runs.
import type { Argv } from 'yargs';
import { checkRunId } from '../../model/run-id.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { urlFlag } from '../flags.ts';

interface ConvertArgs {
  csv: string;
  summary?: string;
  out?: string;
  runId?: string;
  resultsDir: string;
  scenario?: string;
  target?: string;
}

export default defineCommand<ConvertArgs>({
  command: 'convert <csv>',
  describe:
    "Convert k6's metric stream (k6 run --out csv=FILE, .gz too) into a cartload run folder with results.json and report.html",
  builder: (y) =>
    y
      .positional('csv', { type: 'string', demandOption: true, describe: 'The file k6 wrote with --out csv=FILE' })
      .option('summary', {
        type: 'string',
        describe: "The run's summary.json (or k6-summary.json): run ID, target, options and k6's threshold verdicts",
      })
      .option('run-id', {
        type: 'string',
        describe: "ID of the run (default: the summary's, else the CSV's file name)",
      })
      .option('results-dir', {
        type: 'string',
        default: 'results',
        describe: 'Where the run folder <run-id>/ is written',
      })
      .option('out', { type: 'string', describe: 'The run folder (default <results-dir>/<run-id>)' })
      .option('scenario', { type: 'string', describe: "What ran (default: the summary's, else k6's scenario tag)" })
      .option('target', {
        type: 'string',
        describe: "The target's base URL (default: the summary's, else the requests' origin)",
      }) as unknown as Argv<ConvertArgs>,
  run: async (a, ctx) => {
    if (a.runId !== undefined) {
      const bad = checkRunId(a.runId);
      if (bad) throw new UsageError(`--run-id ${bad}`);
    }
    if (a.target !== undefined) urlFlag('target', a.target);
    const { checkDirWritable, checkRunFolderFree } = await import('../../io/dirs.ts');
    if (a.out !== undefined) await checkDirWritable(a.out, '--out');
    else await checkDirWritable(a.resultsDir, '--results-dir');
    if (a.out === undefined && a.runId !== undefined) await checkRunFolderFree(a.resultsDir, a.runId);
    const { convertK6Run } = await import('../../report/runs.ts');
    const { renderSummaryText } = await import('../../report/text.ts');
    const base = {
      csv: a.csv,
      ...(a.summary ? { summary: a.summary } : {}),
      ...(a.runId ? { runId: a.runId } : {}),
      ...(a.scenario ? { scenario: a.scenario } : {}),
      ...(a.target ? { target: a.target } : {}),
    };
    const run = await convertK6Run({
      ...base,
      resultsDir: a.resultsDir,
      ...(a.out !== undefined ? { out: a.out } : {}),
    });
    ctx.out(renderSummaryText(run.summary));
    ctx.say(`results: ${run.dir}`);
    return EXIT.ok;
  },
});
