// `cartload deploy k6-operator`: the objects it writes are checked against k6-operator's published
// TestRun schema (test/fixtures/deploy/k6.io_testruns.yaml, copied from the operator's repository),
// with unknown fields refused as `kubectl apply` refuses them; every ConfigMap is within
// Kubernetes' 1 MiB; the init container's script, run here with sh, rebuilds the bundle byte for
// byte from the pieces; the API key is never in the output. No cluster runs here.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { buildScenarios } from '../bundle/index.ts';
import { buildPools, writePools } from '../generators/pools.ts';
import { PROFILE_VERSION, resolveProfile, type ProfileInput } from '../generators/profiles.ts';
import { deployK6Operator } from '../orchestrate/deploy.ts';
import {
  CONFIGMAP_LIMIT,
  configMapBytes,
  k6OperatorManifests,
  type BundleFile,
  type K6OperatorManifests,
} from '../orchestrate/k6-operator.ts';
import { formatProfile } from '../orchestrate/learn.ts';
import { SCENARIO_VARIABLES } from '../orchestrate/segments.ts';
import { runCartload, runMain } from './helpers/cli.ts';
import { learnRecording } from './helpers/recording.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CRD_FILE = join(ROOT, 'test/fixtures/deploy/k6.io_testruns.yaml');
type Schema = Record<string, unknown>;

/**
 * The CRD's schema with unknown fields refused: the API server would prune them silently, but
 * kubectl's default (strict) field validation rejects them, and a typo should fail here too.
 */
function strict(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(strict);
  if (schema === null || typeof schema !== 'object') return schema;
  const s = Object.fromEntries(
    Object.entries(schema as Schema).map(([k, v]) => [
      k,
      k === 'properties'
        ? Object.fromEntries(Object.entries(v as Schema).map(([p, ps]) => [p, strict(ps)]))
        : strict(v),
    ]),
  );
  if (
    s.properties !== undefined &&
    s.additionalProperties === undefined &&
    s['x-kubernetes-preserve-unknown-fields'] !== true
  )
    s.additionalProperties = false;
  return s;
}

let validate: ValidateFunction;
let dir: string;
let files: BundleFile[];
/**
 * The pools before() generated (seed 1, as a deployment without --seed generates them): the
 * example's deployment ships this file, so pools are generated once per file, not per deployment
 * (the first deployment proves the generated path).
 */
let pools: string;
/** A small pools file, for the deployments whose checks do not depend on the pools' size. */
let smallPools: string;
before(async () => {
  const crd = parse(await readFile(CRD_FILE, 'utf8')) as {
    spec: { versions: { name: string; schema: { openAPIV3Schema: Schema } }[] };
  };
  const version = crd.spec.versions.find((v) => v.name === 'v1alpha1');
  assert.ok(version, 'the CRD serves k6.io/v1alpha1');
  // strict: false lets through the x-kubernetes-* annotations and OpenAPI formats (int32, int64) that JSON Schema does not know.
  // optimize: false skips ajv's pass over the generated code: the same checks, compiled in a
  // third of the time for a schema this large.
  validate = new Ajv({ strict: false, allErrors: true, validateFormats: false, code: { optimize: false } }).compile(
    strict(version.schema.openAPIV3Schema) as Schema,
  );
  dir = await mkdtemp(join(tmpdir(), 'cartload-deploy-'));
  await buildScenarios({ outDir: join(dir, 'dist'), entries: [join(ROOT, 'scenarios/lifecycle.ts')] });
  files = [
    { name: 'lifecycle.js', content: await readFile(join(dir, 'dist/lifecycle.js')) },
    { name: 'pools.json', content: await readFile(join(dir, 'dist/pools.json')) },
  ];
  pools = join(dir, 'dist/pools.json');
  smallPools = join(dir, 'small-pools.json');
  await writePools(buildPools({ seed: 1, sizes: { products: 50, profileIds: 50, loyaltyCards: 50 } }), smallPools);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const errors = (obj: unknown): string => (validate(obj) ? '' : JSON.stringify(validate.errors?.slice(0, 5)));

test('the CRD fixture names its source, and the schema refuses what kubectl would', async () => {
  const head = (await readFile(CRD_FILE, 'utf8')).split('\n').slice(0, 5).join('\n');
  assert.match(head, /https:\/\/github\.com\/grafana\/k6-operator/);
  assert.match(head, /config\/crd\/bases\/k6\.io_testruns\.yaml/);
  assert.match(head, /commit\s+[0-9a-f]{40}/);
  const ok = {
    apiVersion: 'k6.io/v1alpha1',
    kind: 'TestRun',
    metadata: { name: 'x' },
    spec: { parallelism: 2, script: { configMap: { name: 'x', file: 'a.js' } } },
  };
  assert.equal(errors(ok), '');
  assert.notEqual(errors({ ...ok, spec: { ...ok.spec, paralellism: 2 } }), '', 'a misspelt field');
  assert.notEqual(errors({ ...ok, spec: { ...ok.spec, parallelism: '2' } }), '', 'parallelism must be an integer');
  assert.notEqual(errors({ ...ok, spec: { ...ok.spec, cleanup: 'always' } }), '', 'cleanup is an enum');
  assert.notEqual(
    errors({
      ...ok,
      spec: { ...ok.spec, runner: { env: [{ name: 'A', valueFrom: { secretKeyRef: { name: 's', kee: 'k' } } }] } },
    }),
    '',
    'deep fields are checked too',
  );
});

test('deploy k6-operator: ConfigMaps within 1 MiB and a TestRun the CRD accepts, with the key only from the Secret', async () => {
  const profile = join(dir, 'my-profile.json');
  await writeFile(profile, JSON.stringify({ extends: 'default', getShare: 0 }));
  const res = await deployK6Operator({
    scenario: 'lifecycle',
    env: { TALON_API_KEY: 'never-in-yaml', THRESHOLDS: '{"http_req_duration{step:close}":["p(95)<300"]}' },
    target: 'https://staging.example.talon.one',
    parallelism: 4,
    separate: true,
    rate: 40,
    duration: '10m',
    profile,
  });
  assert.doesNotMatch(res.yaml, /never-in-yaml/);
  const docs = parseAllDocuments(res.yaml).map(
    (d) =>
      d.toJS() as {
        kind: string;
        metadata: { name: string };
        binaryData?: Record<string, string>;
        spec?: Record<string, unknown>;
      },
  );
  assert.deepEqual(docs, res.objects, 'the YAML reads back as the objects');
  const maps = docs.filter((d) => d.kind === 'ConfigMap');
  const runs = docs.filter((d) => d.kind === 'TestRun');
  assert.equal(runs.length, 1);
  assert.ok(maps.length >= 1);
  for (const cm of maps)
    assert.ok(configMapBytes(cm) <= CONFIGMAP_LIMIT, `${cm.metadata.name}: ${configMapBytes(cm)} bytes`);
  const run = runs[0] as unknown as {
    spec: {
      parallelism: number;
      script: { localFile: string };
      runner: { env: { name: string; value?: string; valueFrom?: unknown }[] };
    };
  };
  assert.equal(errors(run), '', 'the TestRun matches the CRD schema');
  assert.equal(run.spec.parallelism, 4);
  assert.equal(run.spec.script.localFile, '/cartload/lifecycle.js');
  const env = new Map(run.spec.runner.env.map((e) => [e.name, e]));
  assert.deepEqual(env.get('TALON_API_KEY')?.valueFrom, { secretKeyRef: { name: 'cartload-talon', key: 'api-key' } });
  assert.equal(env.get('SESSION_PREFIX')?.value, res.sessionPrefix);
  assert.equal(env.get('RATE')?.value, '40');
  assert.equal(
    env.get('PROFILE')?.value,
    './profile.json',
    'a profile file travels with the bundle, as profile.json beside it',
  );
  assert.equal(env.get('THRESHOLDS')?.value, '{"http_req_duration{step:close}":["p(95)<300"]}');
  assert.deepEqual(env.get('RUN_ID')?.valueFrom, { fieldRef: { fieldPath: 'metadata.name' } });
  assert.equal(
    env.get('RUN_DIR')?.value,
    '/results/$(RUN_ID)',
    'each runner writes into its own folder, which the init container makes',
  );
  assert.equal(
    env.get('K6_OUT')?.value,
    'csv=$(RUN_DIR)/k6-metrics.csv.gz',
    "k6's metric stream beside the summaries, for an exact merge",
  );
  assert.equal(env.get('K6_CSV_TIME_FORMAT')?.value, 'unix_milli');
  const order = run.spec.runner.env.map((e) => e.name);
  assert.ok(
    order.indexOf('RUN_ID') < order.indexOf('RUN_DIR') && order.indexOf('RUN_DIR') < order.indexOf('K6_OUT'),
    'Kubernetes expands $(VAR) only from variables listed before',
  );
  for (const name of env.keys())
    assert.ok(
      [
        ...SCENARIO_VARIABLES,
        'TALON_API_KEY',
        'SESSION_PREFIX',
        'RUN_ID',
        'RUN_DIR',
        'K6_OUT',
        'K6_CSV_TIME_FORMAT',
      ].includes(name),
      `${name} is a variable the scenarios or k6 read`,
    );
  assert.match(res.unpackScript, /profile\.json\.gz\.000' \| gunzip > '\/cartload\/profile\.json'/);
  assert.ok(
    res.commands.some((c) =>
      c.includes('kubectl create secret generic cartload-talon --from-literal=api-key="$TALON_API_KEY"'),
    ),
  );
  // A second generation is a new session namespace.
  const again = await deployK6Operator({
    env: {},
    target: 'https://staging.example.talon.one',
    parallelism: 2,
    pools: smallPools,
  });
  assert.deepEqual(again.warnings, []);
  const local = await deployK6Operator({ env: {}, target: 'http://127.0.0.1:3000', parallelism: 1, pools: smallPools });
  assert.match(local.warnings[0] ?? '', /loopback address: inside a runner pod it is the pod itself/);
  assert.notEqual(again.sessionPrefix, res.sessionPrefix);
  assert.equal(errors(again.objects.at(-1)), '');
});

/** Mounts each ConfigMap where the TestRun mounts it, as the kubelet would, and runs the init container's script. */
async function unpack(m: K6OperatorManifests, mounts: { bundle: string; unpacked: string }): Promise<void> {
  const maps = m.objects.filter((o) => o.kind === 'ConfigMap') as {
    metadata: { name: string };
    binaryData: Record<string, string>;
  }[];
  const run = m.objects.at(-1) as {
    spec: {
      runner: {
        volumes: { name: string; configMap?: { name: string } }[];
        initContainers: { volumeMounts: { name: string; mountPath: string }[] }[];
      };
    };
  };
  assert.equal(errors(run), '');
  const mountOf = new Map(run.spec.runner.initContainers[0]!.volumeMounts.map((v) => [v.name, v.mountPath]));
  for (const vol of run.spec.runner.volumes) {
    if (!vol.configMap) continue;
    const cm = maps.find((c) => c.metadata.name === vol.configMap?.name);
    assert.ok(cm, `volume ${vol.name} names a ConfigMap that exists`);
    const at = mountOf.get(vol.name) as string;
    await mkdir(at, { recursive: true });
    for (const [key, b64] of Object.entries(cm.binaryData)) await writeFile(join(at, key), Buffer.from(b64, 'base64'));
  }
  await mkdir(mounts.unpacked, { recursive: true });
  execFileSync('sh', ['-c', m.unpackScript]);
}

test("the init container's script rebuilds every file byte for byte from pieces spread over several ConfigMaps", async () => {
  const root = join(dir, 'pod');
  const mounts = { bundle: join(root, 'bundle'), unpacked: join(root, 'cartload'), results: join(root, 'results') };
  const m = k6OperatorManifests({
    script: 'lifecycle.js',
    files,
    name: 'split',
    parallelism: 2,
    separate: false,
    vars: { TALON_BASE_URL: 'https://x.example' },
    sessionPrefix: 'p',
    secret: { name: 's', key: 'k' },
    mounts,
    chunkBytes: 100_000,
  });
  const maps = m.objects.filter((o) => o.kind === 'ConfigMap');
  assert.ok(maps.length >= 4, `pools.json (${files[1]?.content.length} bytes) spreads over ${maps.length} ConfigMaps`);
  await unpack(m, mounts);
  for (const f of files)
    assert.ok((await readFile(join(mounts.unpacked, f.name))).equals(f.content), `${f.name} rebuilt`);
});

test('a learned (version 2) profile reaches the runners whole: every learned distribution, and a bad one refused before any object is written', async () => {
  const recordingPools = buildPools({ seed: 6, sizes: { products: 300, profileIds: 100 } });
  const learned = await learnRecording({
    pools: recordingPools,
    profile: resolveProfile('returns-heavy'),
    seed: 4,
    sessions: 600,
    start: (i) => Date.UTC(2026, 4, 1, 9) + i * 2000,
  });
  const file = join(dir, 'learned.json');
  await writeFile(file, formatProfile(learned.profile));
  const original = resolveProfile(learned.profile);
  assert.ok(
    original.arrival &&
      original.cart.prices &&
      original.thinkTimeMs.transitions &&
      original.profiles.sessionsPerProfile,
    'the learned profile has its learned parts',
  );
  const res = await deployK6Operator({
    env: { PROFILE_SET: 'couponShare=0.8', RATE_SCALE: '3' },
    target: 'https://staging.example.talon.one',
    parallelism: 2,
    profile: file,
    pools: smallPools,
  });
  const env = new Map(
    (res.objects.at(-1) as { spec: { runner: { env: { name: string; value?: string }[] } } }).spec.runner.env.map(
      (e) => [e.name, e.value],
    ),
  );
  assert.equal(env.get('PROFILE'), './profile.json');
  assert.equal(env.get('PROFILE_SET'), 'couponShare=0.8', 'what-if edits go to the runners');
  assert.equal(env.get('RATE_SCALE'), '3', 'and the arrival curve scale');
  // profile.json as the init container rebuilds it: its pieces, in order, from the ConfigMaps.
  const pieces = (res.objects.filter((o) => o.kind === 'ConfigMap') as { binaryData: Record<string, string> }[])
    .flatMap((cm) => Object.entries(cm.binaryData))
    .filter(([key]) => key.startsWith('profile.json.gz.'))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, b64]) => Buffer.from(b64, 'base64'));
  assert.ok(pieces.length >= 1);
  assert.match(res.unpackScript, /profile\.json\.gz\.000' \| gunzip > '\/cartload\/profile\.json'/);
  const shipped = JSON.parse(gunzipSync(Buffer.concat(pieces)).toString('utf8')) as ProfileInput;
  assert.equal(shipped.version, PROFILE_VERSION);
  assert.deepEqual(resolveProfile(shipped), original, 'the runners resolve the very profile that was learned');
  await assert.rejects(
    deployK6Operator({ env: { RATE_SCALE: '3' }, target: 'https://staging.example.talon.one', parallelism: 2 }),
    /RATE_SCALE .*needs a learned arrival curve/,
  );
  await assert.rejects(
    deployK6Operator({
      env: { PROFILE_SET: 'couponShare=2' },
      target: 'https://staging.example.talon.one',
      parallelism: 2,
      profile: file,
    }),
    /couponShare=2/,
  );
});

test('deploy/k6-operator/testrun.example.yaml is what the command writes for its options', async () => {
  const example = await readFile(join(ROOT, 'deploy/k6-operator/testrun.example.yaml'), 'utf8');
  const res = await deployK6Operator({
    env: {},
    target: 'https://staging.example.talon.one',
    parallelism: 4,
    separate: true,
    rate: 40,
    duration: '10m',
    sessionPrefix: 'cartload-lifecycle-example',
    pools,
  });
  const testRun = stringify(res.objects.at(-1), { lineWidth: 0, aliasDuplicateObjects: false });
  assert.equal(example.replace(/^#.*\n/gm, ''), testRun, 'regenerate the example: see its header');
  assert.equal(errors(parse(example)), '');
});

test('the CLI refuses a missing target and a bad name, naming the option', async () => {
  const env = { TALON_BASE_URL: '', TALON_API_KEY: '' };
  // One spawn: the package bin ends with exit code 2 (on a flag refused before anything is loaded);
  // the cases under test run main() in this process.
  const bin = await runCartload(['deploy', 'k6-operator', '--parallelism', '0'], { env });
  assert.equal(bin.code, 2);
  assert.match(bin.stderr, /--parallelism must be a whole number from 1 to 1000, got 0/);
  const a = await runMain(['deploy', 'k6-operator'], { env });
  assert.equal(a.code, 2);
  assert.match(a.stderr, /name the deployment the runners load with --target or TALON_BASE_URL/);
  const b = await runMain(['deploy', 'k6-operator', '--target', 'https://x.example', '--name', 'Bad_Name'], {
    env,
  });
  assert.equal(b.code, 2);
  assert.match(b.stderr, /--name "Bad_Name"/);
});

test('deploy/README.md shows the command with options it has, and the Secret the TestRun reads', async () => {
  const readme = await readFile(join(ROOT, 'deploy/README.md'), 'utf8');
  const source = await readFile(join(ROOT, 'cli/commands/deploy.ts'), 'utf8');
  const command = /npx cartload deploy k6-operator ([^\n]*\\\n[^\n]*)/.exec(readme)?.[1] ?? '';
  const options = [...command.matchAll(/--([a-z-]+)/g)].map((m) => m[1] as string);
  assert.ok(options.length >= 4);
  for (const o of options) assert.ok(source.includes(`.option('${o}'`), `--${o} is an option of cartload deploy`);
  assert.match(readme, /kubectl create secret generic cartload-talon --from-literal=api-key="\$TALON_API_KEY"/);
});
