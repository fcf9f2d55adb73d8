// `cartload target`: serves the local reference target until SIGINT/SIGTERM.
import type { Argv } from 'yargs';
import { DISTRIBUTION_FORMS, parseDistribution } from '../../emulator/server/knobs.ts';
import type { ServeTargetOptions } from '../../emulator/server/serve.ts';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { numberFlag, wholeFlag } from '../flags.ts';

/** Checks every flag before the target is built, naming the flag. */
function checkTargetFlags(a: ServeTargetOptions): void {
  wholeFlag('port', a.port, 0, 65_535);
  if (a.errorRate !== undefined) numberFlag('error-rate', a.errorRate, { min: 0, max: 1 });
  if (a.errorStatus !== undefined) wholeFlag('error-status', a.errorStatus, 400, 599);
  if (a.workers !== undefined) wholeFlag('workers', a.workers, 1);
  if (a.queueLimit !== undefined) wholeFlag('queue-limit', a.queueLimit, 0);
  if (a.seed !== undefined && !Number.isSafeInteger(a.seed))
    throw new UsageError(`--seed ${a.seed}: must be a whole number`);
  if (a.maxSessions !== undefined) wholeFlag('max-sessions', a.maxSessions, 1);
  if (a.bodyLimit !== undefined) wholeFlag('body-limit', a.bodyLimit, 1);
  if (a.applicationId !== undefined) wholeFlag('application-id', a.applicationId, 1);
  for (const [flag, spec] of [
    ['latency', a.latency],
    ['service-time', a.serviceTime],
  ] as const) {
    if (spec === undefined) continue;
    try {
      parseDistribution(spec, `--${flag}`);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
  }
  for (const [flag, pattern] of [
    ['coupon-pattern', a.couponPattern],
    ['referral-pattern', a.referralPattern],
  ] as const) {
    if (pattern === undefined) continue;
    try {
      new RegExp(pattern);
    } catch (err) {
      throw new UsageError(`--${flag} ${pattern}: not a regular expression (${(err as Error).message})`);
    }
  }
}

export default defineCommand<ServeTargetOptions>({
  command: 'target',
  describe: 'Serve the local reference target (an emulator of the Talon.One customer-session endpoints)',
  builder: (y) =>
    y
      .option('port', { type: 'number', default: 3000, describe: 'Port to listen on (0 = any free port)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'Address to listen on' })
      .option('api-key', {
        type: 'string',
        describe: 'The accepted API key (default: $TALON_API_KEY, else a generated one, printed on stderr)',
      })
      .option('latency', { type: 'string', describe: `Added latency per session request: ${DISTRIBUTION_FORMS}` })
      .option('error-rate', {
        type: 'number',
        describe: 'Share (0..1) of session requests answered with --error-status',
      })
      .option('error-status', { type: 'number', describe: 'Status of injected errors (default 503)' })
      .option('workers', { type: 'number', describe: 'Capacity: requests served at once (with --service-time)' })
      .option('service-time', {
        type: 'string',
        describe: `Capacity: time a request occupies a worker: ${DISTRIBUTION_FORMS}`,
      })
      .option('queue-limit', {
        type: 'number',
        describe: 'Capacity: most requests waiting for a worker; beyond it 503 (default unbounded)',
      })
      .option('seed', {
        type: 'number',
        describe: 'Seed of the random draws (latency, service time, errors); default 1',
      })
      .option('max-sessions', {
        type: 'number',
        describe: 'Most sessions stored; the oldest closed, then idle, are evicted (default 100000)',
      })
      .option('body-limit', {
        type: 'number',
        describe: 'Largest request body in bytes; larger get 413 (default 1048576)',
      })
      .option('application-id', { type: 'number', describe: 'applicationId reported in answers (default 1)' })
      .option('coupons', {
        type: 'string',
        describe: 'File (JSON or CSV) of the coupon codes that exist, with usage limits',
      })
      .option('referrals', {
        type: 'string',
        describe: 'File (JSON or CSV) of the referral codes that exist, with usage limits',
      })
      .option('coupon-pattern', {
        type: 'string',
        describe: 'Regular expression of valid coupon codes when no --coupons file is given',
      })
      .option('log-requests', {
        type: 'boolean',
        default: false,
        describe: 'Print one line per request on stderr (off by default: it costs throughput)',
      })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('referral-pattern', {
        type: 'string',
        describe: 'Regular expression of valid referral codes when no --referrals file is given',
      }) as unknown as Argv<ServeTargetOptions>,
  run: async (args, ctx) => {
    checkTargetFlags(args);
    const options: ServeTargetOptions = { ...args, apiKey: args.apiKey || ctx.env['TALON_API_KEY'] || undefined };
    const { serveTarget } = await import('../../emulator/server/serve.ts');
    let onSignal: ((s: NodeJS.Signals) => void) | undefined;
    const until = new Promise<string>((resolve) => {
      onSignal = (s) => resolve(s);
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
    try {
      await serveTarget(options, { out: (l) => ctx.out(`${l}\n`), err: ctx.say, until });
      return EXIT.ok;
    } finally {
      if (onSignal) {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    }
  },
});
