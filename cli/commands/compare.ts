// `cartload compare <baseline> <current>`: a regression gate between two runs of any engine.
import { DEFAULT_COMPARE_OPTIONS } from '../../report/compare.ts';
import { defineCommand, EXIT } from '../command.ts';
import { numberFlag, wholeFlag } from '../flags.ts';

interface CompareArgs {
  baseline: string;
  current: string;
  'max-latency-increase': number;
  'max-error-rate-increase': number;
  'min-requests': number;
  json?: string;
}

export default defineCommand<CompareArgs>({
  command: 'compare <baseline> <current>',
  describe: 'Compare two runs (results/<run-id>/ or their summary.json) and exit 99 on a regression',
  builder: (y) =>
    y
      .positional('baseline', { type: 'string', demandOption: true, describe: 'The baseline run folder or its summary.json' })
      .positional('current', { type: 'string', demandOption: true, describe: 'The current run folder or its summary.json' })
      .option('max-latency-increase', {
        type: 'number',
        default: 100 * DEFAULT_COMPARE_OPTIONS.maxLatencyIncrease,
        describe: 'Largest allowed increase of a step\'s p95 and p99, in percent',
      })
      .option('max-error-rate-increase', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.maxErrorRateIncrease,
        describe: 'Largest allowed increase of the error rate, in percentage points',
      })
      .option('min-requests', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.minRequests,
        describe: 'Steps with fewer requests in either run are shown but not judged',
      })
      .option('json', { type: 'string', describe: 'Also write the comparison as JSON to this file' }),
  run: async (args, ctx) => {
    numberFlag('max-latency-increase', args['max-latency-increase'], { min: 0 });
    numberFlag('max-error-rate-increase', args['max-error-rate-increase'], { min: 0 });
    wholeFlag('min-requests', args['min-requests'], 0);
    const { writeOutputText, checkOutputFile } = await import('../../io/output.ts');
    if (args.json !== undefined) await checkOutputFile(args.json, '--json');
    const { compareRunFiles, renderComparison } = await import('../../report/compare.ts');
    const c = await compareRunFiles(args.baseline, args.current, {
      maxLatencyIncrease: args['max-latency-increase'] / 100,
      maxErrorRateIncrease: args['max-error-rate-increase'],
      minRequests: args['min-requests'],
    });
    ctx.out(renderComparison(c));
    if (args.json !== undefined) await writeOutputText(args.json, `${JSON.stringify(c, null, 2)}\n`, '--json');
    return c.ok ? EXIT.ok : EXIT.thresholdsCrossed;
  },
});
