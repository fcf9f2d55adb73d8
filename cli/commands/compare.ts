// `cartload compare <baseline> <current>`: a regression gate between two runs that fails only on a
// change that is both large and beyond the runs' noise.
import type { Argv } from 'yargs';
import { DEFAULT_COMPARE_OPTIONS } from '../../report/compare.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { numberFlag, wholeFlag } from '../flags.ts';

interface CompareArgs {
  baseline: string;
  current: string;
  'max-latency-increase': number;
  'min-latency-increase': number;
  'max-error-rate-increase': number;
  'min-requests': number;
  'min-tail': number;
  confidence: number;
  percentiles: string;
  'allow-different': boolean;
  format: 'text' | 'markdown' | 'json';
  json?: string;
  markdown?: string;
}

export default defineCommand<CompareArgs>({
  command: 'compare <baseline> <current>',
  describe:
    "Compare two runs (results/<run-id>/) and exit 99 on a regression: a change beyond the floors and beyond the runs' noise",
  builder: (y) =>
    y
      .positional('baseline', {
        type: 'string',
        demandOption: true,
        describe: 'The baseline run folder (or its results.json)',
      })
      .positional('current', {
        type: 'string',
        demandOption: true,
        describe: 'The current run folder (or its results.json)',
      })
      .option('max-latency-increase', {
        type: 'number',
        default: 100 * DEFAULT_COMPARE_OPTIONS.maxLatencyIncrease,
        describe: 'Relative floor: smaller p95/p99 increases are never regressions, in percent',
      })
      .option('min-latency-increase', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.minLatencyIncreaseMs,
        describe: 'Absolute floor: smaller p95/p99 increases are never regressions, in ms',
      })
      .option('max-error-rate-increase', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.maxErrorRateIncrease,
        describe: 'Floor for the error rate, in percentage points',
      })
      .option('min-requests', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.minRequests,
        describe: 'Steps with fewer requests in either run are shown but not judged',
      })
      .option('min-tail', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.minTail,
        describe:
          'A percentile is judged only when both runs have this many answers beyond it (p95: 20 times, p99: 100 times)',
      })
      .option('confidence', {
        type: 'number',
        default: DEFAULT_COMPARE_OPTIONS.confidence,
        describe: 'Share of resamples in which the current run must be worse for a change to be real (0.5 to 0.9999)',
      })
      .option('percentiles', {
        type: 'string',
        default: DEFAULT_COMPARE_OPTIONS.percentiles.join(','),
        describe: "The latency percentiles judged, e.g. 50,95 (a busy runner's p99 is mostly its own pauses)",
      })
      .option('allow-different', {
        type: 'boolean',
        default: false,
        describe: 'Compare runs of different scenarios or profiles instead of refusing',
      })
      .option('format', {
        choices: ['text', 'markdown', 'json'] as const,
        default: 'text' as const,
        describe: 'What to print on stdout',
      })
      .option('json', { type: 'string', describe: 'Also write the comparison as JSON to this file' })
      .option('markdown', {
        type: 'string',
        describe: 'Also write the comparison as Markdown (a pull-request comment) to this file',
      }) as unknown as Argv<CompareArgs>,
  run: async (args, ctx) => {
    numberFlag('max-latency-increase', args['max-latency-increase'], { min: 0 });
    numberFlag('min-latency-increase', args['min-latency-increase'], { min: 0 });
    numberFlag('max-error-rate-increase', args['max-error-rate-increase'], { min: 0 });
    wholeFlag('min-requests', args['min-requests'], 0);
    numberFlag('min-tail', args['min-tail'], { above: 0 });
    numberFlag('confidence', args.confidence, { min: 0.5, max: 0.9999 });
    const percentiles = args.percentiles.split(',').map((p) => Number(p.trim().replace(/^p/, '')));
    if (percentiles.some((p) => !(p > 0 && p < 100)))
      throw new UsageError(`--percentiles ${args.percentiles}: give percentiles between 0 and 100, e.g. 50,95,99`);
    const { writeOutputText, checkOutputFile } = await import('../../io/output.ts');
    if (args.json !== undefined) await checkOutputFile(args.json, '--json');
    if (args.markdown !== undefined) await checkOutputFile(args.markdown, '--markdown');
    const { compareRunFiles } = await import('../../report/compare.ts');
    const { renderComparison, renderComparisonMarkdown } = await import('../../report/compare-render.ts');
    const c = await compareRunFiles(args.baseline, args.current, {
      maxLatencyIncrease: args['max-latency-increase'] / 100,
      minLatencyIncreaseMs: args['min-latency-increase'],
      maxErrorRateIncrease: args['max-error-rate-increase'],
      minRequests: args['min-requests'],
      minTail: args['min-tail'],
      percentiles,
      confidence: args.confidence,
      allowDifferent: args['allow-different'],
    });
    const json = `${JSON.stringify(c, null, 2)}\n`;
    ctx.out(
      args.format === 'json' ? json : args.format === 'markdown' ? renderComparisonMarkdown(c) : renderComparison(c),
    );
    if (args.json !== undefined) await writeOutputText(args.json, json, '--json');
    if (args.markdown !== undefined) await writeOutputText(args.markdown, renderComparisonMarkdown(c), '--markdown');
    return c.ok ? EXIT.ok : EXIT.thresholdsCrossed;
  },
});
