// `cartload deploy k6-operator [scenario]`: the Kubernetes objects (ConfigMaps with the bundle, a
// TestRun) that run a scenario over N k6 instances with k6-operator, as one YAML file.
import type { Argv } from 'yargs';
import { defineCommand, EXIT, UsageError } from '../command.ts';
import { durationFlag, numberFlag, urlFlag } from '../flags.ts';

interface DeployArgs {
  platform: 'k6-operator';
  scenario: string;
  parallelism: number;
  name?: string;
  namespace?: string;
  separate: boolean;
  target?: string;
  rate?: number;
  duration?: string;
  seed?: number;
  profile?: string;
  thinkScale?: number;
  maxThink?: number;
  dry: boolean;
  pools?: string;
  secret: string;
  resultsClaim: string;
  image?: string;
  sessionPrefix?: string;
  out?: string;
}

export default defineCommand<DeployArgs>({
  command: 'deploy <platform> [scenario]',
  describe:
    'Write the Kubernetes objects that run a scenario on k6-operator over N k6 instances (bundle ConfigMaps + TestRun)',
  builder: (y) =>
    y
      .positional('platform', { choices: ['k6-operator'] as const, describe: 'Where it runs: k6-operator (a TestRun)' })
      .positional('scenario', {
        type: 'string',
        default: 'lifecycle',
        describe: 'lifecycle, smoke, dry-run, big-carts, capacity',
      })
      .option('parallelism', {
        type: 'number',
        default: 4,
        describe: 'k6 instances (runner pods); each runs an equal execution segment',
      })
      .option('name', { type: 'string', describe: 'TestRun name (default cartload-<scenario>)' })
      .option('namespace', { type: 'string', describe: 'Kubernetes namespace of the objects' })
      .option('separate', {
        type: 'boolean',
        default: true,
        describe: 'One runner per node (--no-separate to allow several)',
      })
      .option('target', {
        type: 'string',
        describe: 'Base URL the runners load (default $TALON_BASE_URL); a staging deployment',
      })
      .option('rate', { type: 'number', describe: 'Sessions started per second in total, over all instances (RATE)' })
      .option('duration', { type: 'string', describe: 'How long sessions keep starting (DURATION)' })
      .option('seed', { type: 'number', describe: 'Seed of the generated sessions and pools (SEED)' })
      .option('profile', { type: 'string', describe: 'A preset, or a JSON profile file (shipped with the bundle)' })
      .option('think-scale', { type: 'number', describe: 'Multiplies the think times (THINK_SCALE)' })
      .option('max-think', { type: 'number', describe: 'Longest think time in seconds (MAX_THINK)' })
      .option('dry', { type: 'boolean', default: false, describe: 'Every write with dry=true (DRY)' })
      .option('pools', { type: 'string', describe: 'Ship this pools.json instead of generated pools' })
      .option('secret', {
        type: 'string',
        default: 'cartload-talon',
        describe: 'The Secret holding the API key under api-key',
      })
      .option('results-claim', {
        type: 'string',
        default: 'cartload-results',
        describe: "ReadWriteMany PersistentVolumeClaim for the results ('' for logs only)",
      })
      .option('image', { type: 'string', describe: "k6 image of the runners (default k6-operator's)" })
      .option('session-prefix', {
        type: 'string',
        describe: 'Session namespace of all instances (default a fresh one)',
      })
      // yargs types the options by their dashed names; the parsed arguments also carry the camelCase ones we read.
      .option('out', {
        type: 'string',
        describe: 'Write the YAML here instead of standard output',
      }) as unknown as Argv<DeployArgs>,
  run: async (a, ctx) => {
    // Flags, named as flags (the variables they become are checked again, by their names).
    if (a.target !== undefined) urlFlag('target', a.target);
    if (
      a.parallelism !== undefined &&
      !(Number.isInteger(a.parallelism) && a.parallelism >= 1 && a.parallelism <= 1000)
    )
      throw new UsageError(`--parallelism must be a whole number from 1 to 1000, got ${a.parallelism}`);
    if (a.rate !== undefined) numberFlag('rate', a.rate, { above: 0 });
    if (a.duration !== undefined) durationFlag('duration', a.duration);
    if (a.seed !== undefined && !Number.isSafeInteger(a.seed))
      throw new UsageError(`--seed ${a.seed}: must be a whole number`);
    if (a.thinkScale !== undefined) numberFlag('think-scale', a.thinkScale, { min: 0 });
    if (a.maxThink !== undefined) numberFlag('max-think', a.maxThink, { min: 0 });
    // A path that cannot be written is refused before the bundle is built.
    const { checkOutputFile, writeOutputText } = await import('../../io/output.ts');
    if (a.out) await checkOutputFile(a.out, '--out');
    const { BuildError } = await import('../../bundle/index.ts');
    const { PoolsError } = await import('../../generators/pools.ts');
    const { DeployError, deployK6Operator } = await import('../../orchestrate/deploy.ts');
    try {
      const res = await deployK6Operator({
        scenario: a.scenario,
        env: ctx.env,
        parallelism: a.parallelism,
        separate: a.separate,
        dry: a.dry,
        secret: a.secret,
        resultsClaim: a.resultsClaim,
        ...(a.name !== undefined ? { name: a.name } : {}),
        ...(a.namespace !== undefined ? { namespace: a.namespace } : {}),
        ...(a.target !== undefined ? { target: a.target } : {}),
        ...(a.rate !== undefined ? { rate: a.rate } : {}),
        ...(a.duration !== undefined ? { duration: a.duration } : {}),
        ...(a.seed !== undefined ? { seed: a.seed } : {}),
        ...(a.profile !== undefined ? { profile: a.profile } : {}),
        ...(a.thinkScale !== undefined ? { thinkScale: a.thinkScale } : {}),
        ...(a.maxThink !== undefined ? { maxThink: a.maxThink } : {}),
        ...(a.pools !== undefined ? { pools: a.pools } : {}),
        ...(a.image !== undefined ? { image: a.image } : {}),
        ...(a.sessionPrefix !== undefined ? { sessionPrefix: a.sessionPrefix } : {}),
      });
      const header = `# cartload deploy k6-operator ${a.scenario}: ${res.objects.length - 1} ConfigMap(s) with the bundle, and the TestRun ${res.name}\n# (${a.parallelism} k6 instances, session IDs ${res.sessionPrefix}-<seed>-<n>). Apply with kubectl apply -f; see docs/scaling-out.md.\n`;
      if (a.out) {
        await writeOutputText(a.out, header + res.yaml, '--out');
        ctx.say(`wrote ${a.out}`);
      } else ctx.out(header + res.yaml);
      for (const w of res.warnings) ctx.say(`warning: ${w}`);
      ctx.say(res.commands.map((c) => c.replace(`${res.name}.yaml`, a.out ?? `${res.name}.yaml`)).join('\n'));
      return EXIT.ok;
    } catch (err) {
      if (err instanceof DeployError || err instanceof PoolsError || err instanceof BuildError)
        throw new UsageError(err.message);
      throw err;
    }
  },
});
