// `cartload report <run>`: (re)writes a run's report.html, one self-contained page that opens
// with no network. Runs write it themselves; this serves older folders and moved files.
import type { Argv } from 'yargs';
import { defineCommand, EXIT } from '../command.ts';

interface ReportArgs {
  run: string;
  out?: string;
}

export default defineCommand<ReportArgs>({
  command: 'report <run>',
  describe:
    "Write a run's HTML report (report.html in the run folder): charts over time, thresholds, lifecycle outcomes; opens with no network",
  builder: (y) =>
    y
      .positional('run', {
        type: 'string',
        demandOption: true,
        describe: 'The run folder, or its results.json or summary.json',
      })
      .option('out', {
        type: 'string',
        describe: 'Where to write the page (default <run folder>/report.html)',
      }) as unknown as Argv<ReportArgs>,
  run: async (a, ctx) => {
    if (a.out !== undefined) {
      const { checkOutputFile } = await import('../../io/output.ts');
      await checkOutputFile(a.out, '--out');
    }
    const { writeReportFor } = await import('../../report/runs.ts');
    const { file, charts } = await writeReportFor(a.run, a.out);
    ctx.out(`${file}\n`);
    if (!charts)
      ctx.say(
        'cartload report: this run folder holds summary.json only (results format 1): the report has its figures but no charts over time',
      );
    return EXIT.ok;
  },
});
