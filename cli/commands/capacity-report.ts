// `cartload capacity-report <run>`: a k6 capacity run's steps and highest sustainable rate,
// recomputed from its results, optionally under another SLO.
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
  describe: 'Report a k6 capacity run (results/<run-id>/ or its k6-summary.json): each step and the highest sustainable rate',
  builder: (y) =>
    y
      .positional('run', { type: 'string', demandOption: true, describe: 'The run folder, or its k6-summary.json' })
      .option('p95-ms', { type: 'number', describe: 'SLO: p95 latency per step, ms (default: the run\'s P95_MS)' })
      .option('p99-ms', { type: 'number', describe: 'SLO: p99 latency per step, ms (default: the run\'s P99_MS)' })
      .option('error-rate', { type: 'number', describe: 'SLO: largest share of failed requests (default: the run\'s ERROR_RATE)' })
      .option('json', { type: 'boolean', default: false, describe: 'Print the report as JSON' }),
  run: async (args, ctx) => {
    if (args['p95-ms'] !== undefined) numberFlag('p95-ms', args['p95-ms'], { above: 0 });
    if (args['p99-ms'] !== undefined) numberFlag('p99-ms', args['p99-ms'], { above: 0 });
    if (args['error-rate'] !== undefined) numberFlag('error-rate', args['error-rate'], { min: 0, max: 1 });
    const { capacityFromRun } = await import('../../orchestrate/capacity-report.ts');
    const r = await capacityFromRun(args.run, { p95Ms: args['p95-ms'], p99Ms: args['p99-ms'], errorRate: args['error-rate'] });
    if (args.json) ctx.out(`${JSON.stringify({ slo: r.slo, ...r.report }, null, 2)}\n`);
    else ctx.out(`SLO: p95 < ${r.slo.p95Ms} ms, p99 < ${r.slo.p99Ms} ms, failed < ${100 * r.slo.errorRate}%\n${r.text.trimEnd()}\n`);
    return EXIT.ok;
  },
});
