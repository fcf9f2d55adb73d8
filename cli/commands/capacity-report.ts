// `cartload capacity-report <run>`: a k6 capacity run's steps and highest sustainable rate,
// recomputed from its results, optionally under another SLO.
import { capacityFromRun, CapacityInputError } from '../../orchestrate/capacity-report.ts';
import { defineCommand, EXIT } from '../command.ts';

interface CapacityReportArgs {
  run: string;
  'p95-ms'?: number;
  'p99-ms'?: number;
  'error-rate'?: number;
  json: boolean;
}

export default defineCommand<CapacityReportArgs>({
  command: 'capacity-report <run>',
  describe: 'Report a k6 capacity run (results/<run-id>/ or its k6-summary.json): each step and the highest sustainable rate',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'The run folder, or its k6-summary.json' })
      .option('p95-ms', { type: 'number', describe: 'SLO: p95 latency per step, ms (default: the run’s P95_MS)' })
      .option('p99-ms', { type: 'number', describe: 'SLO: p99 latency per step, ms (default: the run’s P99_MS)' })
      .option('error-rate', { type: 'number', describe: 'SLO: largest share of failed requests (default: the run’s ERROR_RATE)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' }),
  run: async (args) => {
    try {
      const r = await capacityFromRun(args.run, { p95Ms: args['p95-ms'], p99Ms: args['p99-ms'], errorRate: args['error-rate'] });
      if (args.json) console.log(JSON.stringify(r.file, null, 2));
      else console.log(r.text.trimEnd());
      return EXIT.ok;
    } catch (err) {
      if (err instanceof CapacityInputError) {
        console.error(`cartload capacity-report: ${err.message}`);
        return EXIT.badInput;
      }
      throw err;
    }
  },
});
