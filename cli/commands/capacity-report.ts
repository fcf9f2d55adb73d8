// `cartload capacity-report <run>`: `cartload capacity --from <run>` under its older name: a capacity run
// judged again from its results, optionally under another SLO.
import { defineCommand, EXIT } from '../command.ts';
import { numberFlag } from '../flags.ts';

interface CapacityReportArgs {
  run: string;
  'p95-ms'?: number;
  'p99-ms'?: number;
  'error-rate'?: number;
  json: boolean;
}

export default defineCommand<CapacityReportArgs>({
  command: 'capacity-report <run>',
  describe:
    'Report a capacity run again (its folder, capacity.json or k6-summary.json), optionally under another SLO: the same as cartload capacity --from',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'The run folder, or its k6-summary.json' })
      .option('p95-ms', { type: 'number', describe: "SLO: p95 latency per step, ms (default: the run's P95_MS)" })
      .option('p99-ms', { type: 'number', describe: "SLO: p99 latency per step, ms (default: the run's P99_MS)" })
      .option('error-rate', {
        type: 'number',
        describe: "SLO: largest share of failed requests (default: the run's ERROR_RATE)",
      })
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' }),
  run: async (args, ctx) => {
    if (args['p95-ms'] !== undefined) numberFlag('p95-ms', args['p95-ms'], { above: 0 });
    if (args['p99-ms'] !== undefined) numberFlag('p99-ms', args['p99-ms'], { above: 0 });
    if (args['error-rate'] !== undefined) numberFlag('error-rate', args['error-rate'], { min: 0, max: 1 });
    const { capacityFromRun } = await import('../../orchestrate/capacity-report.ts');
    const r = await capacityFromRun(args.run, {
      p95Ms: args['p95-ms'],
      p99Ms: args['p99-ms'],
      errorRate: args['error-rate'],
    });
    ctx.out(args.json ? `${JSON.stringify(r.file, null, 2)}\n` : r.text);
    return EXIT.ok;
  },
});
