// `cartload deploy k6-operator [scenario]` as a library function: builds the scenario's bundle
// (and its pools) into a scratch folder, with a profile file if PROFILE names one (validated and
// shipped complete as profile.json: a learned profile with every distribution), and turns it into the k6-operator objects (orchestrate/k6-operator.ts), with the scenario's
// variables from the options and the environment, a fresh session namespace, and the commands
// that create the Secret and apply the objects.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildScenarios, PROJECT_ROOT } from '../bundle/index.ts';
import { PROFILE_FILE } from '../bundle/profile.ts';
import { DEFAULT_SESSION_PREFIX } from '../model/conventions.ts';
import { CartloadError } from '../model/errors.ts';
import { shortRandom } from '../engine/run-id.ts';
import { editProfile } from '../generators/profile-edit.ts';
import { loadProfile } from '../generators/profile-file.ts';
import { PRESET_NAMES, PRESETS, resolveProfile } from '../generators/profiles.ts';
import { ConfigError, parseConfig } from '../scenarios/lib/config.ts';
import { applyRateScale } from '../scenarios/lib/rate-scale.ts';
import { checkK8sName, k6OperatorManifests, type BundleFile, type K6OperatorManifests } from './k6-operator.ts';
import type { RunScenarioOptions } from './run.ts';
import { scenarioEnv } from './scenario-env.ts';
import { SCENARIO_VARIABLES } from './segments.ts';
import { isLoopbackUrl } from '../io/url.ts';

export class DeployError extends CartloadError {
  override name = 'DeployError';
}

export interface DeployK6OperatorOptions
  extends Pick<
    RunScenarioOptions,
    'env' | 'rate' | 'duration' | 'seed' | 'profile' | 'thinkScale' | 'maxThink' | 'dry'
  > {
  scenario?: string;
  /** The deployment's base URL (default TALON_BASE_URL); required, since the pods cannot reach a local target. */
  target?: string;
  /** TestRun name (default cartload-<scenario>). */
  name?: string;
  parallelism: number;
  separate?: boolean;
  namespace?: string;
  /** Ship this pools.json instead of generated pools. */
  pools?: string;
  /** The Secret with the API key (default cartload-talon, key api-key). */
  secret?: string;
  secretKey?: string;
  /** Results PersistentVolumeClaim (ReadWriteMany); '' for none. Default cartload-results. */
  resultsClaim?: string;
  image?: string;
  sessionPrefix?: string;
  rootDir?: string;
}

export interface DeployK6OperatorResult extends K6OperatorManifests {
  name: string;
  sessionPrefix: string;
  /** Shell commands for the user: create the Secret, apply, watch, collect. */
  commands: string[];
  /** Things the user should know before applying (a loopback target, ...). */
  warnings: string[];
}

export async function deployK6Operator(o: DeployK6OperatorOptions): Promise<DeployK6OperatorResult> {
  const scenario = o.scenario ?? 'lifecycle';
  const name = o.name ?? `cartload-${scenario}`;
  const bad = checkK8sName(name);
  if (bad) throw new DeployError(bad);
  const dnsName = (flag: string, v: string | undefined): void => {
    if (v !== undefined && !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(v))
      throw new DeployError(`--${flag} "${v}": a Kubernetes name (lower-case letters, digits, '-' and '.')`);
  };
  dnsName('namespace', o.namespace);
  dnsName('secret', o.secret);
  if (o.resultsClaim !== '') dnsName('results-claim', o.resultsClaim);
  if (o.image !== undefined && o.image.trim() === '') throw new DeployError('--image: the value is empty');
  if (o.sessionPrefix !== undefined && !/^[A-Za-z0-9._~-]{1,100}$/.test(o.sessionPrefix))
    throw new DeployError(`--session-prefix ${o.sessionPrefix}: use 1-100 characters of A-Z a-z 0-9 . _ ~ -`);
  // A preset is checked here; a profile file is read below.
  if (o.profile !== undefined && PRESETS[o.profile] !== undefined) {
    try {
      resolveProfile(o.profile);
    } catch (err) {
      throw new DeployError(`--profile ${o.profile}: ${(err as Error).message}`);
    }
  }
  if (!(Number.isInteger(o.parallelism) && o.parallelism >= 1 && o.parallelism <= 1000))
    throw new DeployError(`--parallelism must be a whole number from 1 to 1000, got ${o.parallelism}`);
  const env = scenarioEnv({ ...o, say: () => undefined }, 'deploy', 'results');
  let config;
  try {
    config = parseConfig(env, scenario === 'smoke' || scenario === 'capacity' ? scenario : undefined);
  } catch (err) {
    if (err instanceof ConfigError) throw new DeployError(err.message);
    throw err;
  }
  const vars: Record<string, string> = {};
  for (const v of SCENARIO_VARIABLES) {
    const value = (env[v] ?? '').trim();
    if (value !== '' && v !== 'POOLS') vars[v] = value;
  }
  if (o.target !== undefined) vars.TALON_BASE_URL = o.target;
  if (vars.TALON_BASE_URL === undefined)
    throw new DeployError(
      'name the deployment the runners load with --target or TALON_BASE_URL (a staging deployment, never a live production one)',
    );
  try {
    parseConfig({ TALON_BASE_URL: vars.TALON_BASE_URL });
  } catch (err) {
    if (err instanceof ConfigError) throw new DeployError(`--target: ${err.message}`);
    throw err;
  }
  const files: BundleFile[] = [];
  // A profile file travels with the bundle (the build validates it and writes it whole as
  // profile.json); a preset name is just a name.
  const profileFile =
    config.profile !== undefined && PRESETS[config.profile] === undefined ? resolve(config.profile) : undefined;
  if (profileFile !== undefined && !existsSync(profileFile)) {
    throw new DeployError(
      `${o.profile !== undefined ? '--profile' : 'PROFILE'} ${config.profile}: neither a preset (${PRESET_NAMES.join(', ')}) nor a file`,
    );
  }
  // Refused before the bundle is built, as `cartload build` refuses it.
  if (o.pools !== undefined && !existsSync(resolve(o.pools))) throw new DeployError(`--pools ${o.pools}: no such file`);
  // What every runner would refuse at init: a bad what-if edit, RATE_SCALE without a learned curve, ...
  try {
    applyRateScale(
      config,
      editProfile(await loadProfile(profileFile ?? config.profile ?? 'default'), config.profileSet ?? []),
    );
  } catch (err) {
    if (err instanceof CartloadError) throw new DeployError(err.message);
    throw err;
  }
  const sessionPrefix =
    o.sessionPrefix ??
    config.sessionPrefix ??
    `${DEFAULT_SESSION_PREFIX}-${name.replace(/^cartload-/, '')}-${shortRandom()}`;

  const scratch = await mkdtemp(join(tmpdir(), 'cartload-deploy-'));
  try {
    const rootDir = o.rootDir ?? PROJECT_ROOT;
    const entry = join(rootDir, 'scenarios', `${scenario}.ts`);
    if (!existsSync(entry)) throw new DeployError(`scenario "${scenario}": no scenarios/${scenario}.ts`);
    await buildScenarios({
      rootDir,
      entries: [entry],
      outDir: scratch,
      seed: config.seed,
      ...(o.pools ? { pools: resolve(o.pools) } : {}),
      ...(profileFile ? { profile: profileFile } : {}),
    });
    files.push(
      { name: `${scenario}.js`, content: await readFile(join(scratch, `${scenario}.js`)) },
      { name: 'pools.json', content: await readFile(join(scratch, 'pools.json')) },
    );
    if (profileFile) {
      files.push({ name: PROFILE_FILE, content: await readFile(join(scratch, PROFILE_FILE)) });
      vars.PROFILE = `./${PROFILE_FILE}`;
    }
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  const secret = { name: o.secret ?? 'cartload-talon', key: o.secretKey ?? 'api-key' };
  const resultsClaim = o.resultsClaim ?? 'cartload-results';
  const manifests = k6OperatorManifests({
    script: `${scenario}.js`,
    files,
    name,
    parallelism: o.parallelism,
    separate: o.separate ?? false,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    vars,
    sessionPrefix,
    secret,
    ...(resultsClaim !== '' ? { resultsClaim } : {}),
    ...(o.image ? { image: o.image } : {}),
  });
  const ns = o.namespace ? ` -n ${o.namespace}` : '';
  const commands = [
    `kubectl${ns} create secret generic ${secret.name} --from-literal=${secret.key}="$TALON_API_KEY"   # once`,
    `kubectl${ns} apply -f ${name}.yaml`,
    `kubectl${ns} get testrun ${name} -w   # stage: initialization, initialized, created, started, finished`,
    ...(resultsClaim !== ''
      ? [`# then copy the runners' folders (${name}-<n>-<id>/) off the ${resultsClaim} volume: one summary each`]
      : [`# results: each runner's summary is in its log (kubectl logs)`]),
    `kubectl${ns} delete testrun ${name}   # before applying it again; generate the file anew for a new session namespace`,
  ];
  const warnings = isLoopbackUrl(vars.TALON_BASE_URL)
    ? [`${vars.TALON_BASE_URL} is a loopback address: inside a runner pod it is the pod itself, not this machine`]
    : [];
  return { ...manifests, name, sessionPrefix, commands, warnings };
}
