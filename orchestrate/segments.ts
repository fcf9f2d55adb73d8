// One k6 test over N instances: k6's execution segments split it without any coordination
// between the instances (k6 stripes the iterations, and each instance scales its rate and VUs to
// its share), so N machines each run `k6 run --execution-segment i/N...` of the same bundle. What
// the instances must share is the session namespace (SESSION_PREFIX): session IDs are
// `<prefix>-<seed>-<iteration>` with k6's test-wide iteration numbers, unique across segments.
// Each instance writes its own run folder (RUN_ID = <run>-<i>of<N>); merging them gives the run's
// results and one verdict.

/** The variables the scenarios read (scenarios/lib/config.ts); passed on to every instance's command. */
export const SCENARIO_VARIABLES = [
  'TALON_BASE_URL',
  'SEED',
  'PROFILE',
  'PROFILE_SET',
  'RATE',
  'RATE_SCALE',
  'CURVE_SPEED',
  'DAY_START',
  'DURATION',
  'VUS',
  'PRE_ALLOCATED_VUS',
  'MAX_VUS',
  'STAGES',
  'LOAD',
  'THINK_SCALE',
  'MAX_THINK',
  'DRY',
  'P95_MS',
  'P99_MS',
  'ERROR_RATE',
  'CHECK_RATE',
  'THRESHOLDS',
  'RATE_STEP',
  'STEPS',
  'STEP_DURATION',
  'RAMP',
  'WARMUP',
  'GRACEFUL_STOP',
  'POOLS',
] as const;

/** Most instances one run is split into: beyond this, use k6-operator (deploy/). */
export const MAX_SEGMENTS = 64;

export interface SegmentInstance {
  /** 1-based. */
  index: number;
  /** `--execution-segment`, e.g. `1/4:1/2`. */
  segment: string;
  /** `--execution-segment-sequence`, the same for all: `0,1/4,1/2,3/4,1`. */
  sequence: string;
  /** This instance's run folder name. */
  runId: string;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** `i/n` reduced as k6 prints rationals: `0`, `1`, `1/2`, `3/4`. */
function fraction(i: number, n: number): string {
  if (i === 0) return '0';
  if (i === n) return '1';
  const g = gcd(i, n);
  return `${i / g}/${n / g}`;
}

/** The run ID of instance i of n. */
export const instanceRunId = (runId: string, index: number, count: number): string => `${runId}-${index}of${count}`;

/** N equal segments and their sequence; throws a RangeError naming --segments on a bad count. */
export function splitSegments(count: number, runId: string): SegmentInstance[] {
  if (!Number.isInteger(count) || count < 2 || count > MAX_SEGMENTS)
    throw new RangeError(`--segments must be a whole number from 2 to ${MAX_SEGMENTS}, got ${count}`);
  const points = Array.from({ length: count + 1 }, (_, i) => fraction(i, count));
  const sequence = points.join(',');
  return points.slice(1).map((to, i) => ({
    index: i + 1,
    segment: `${points[i]}:${to}`,
    sequence,
    runId: instanceRunId(runId, i + 1, count),
  }));
}

/** The k6 arguments of one instance, before the script. */
export const segmentArgs = (s: SegmentInstance): string[] => [
  '--execution-segment',
  s.segment,
  '--execution-segment-sequence',
  s.sequence,
];

/** A word as a POSIX shell reads it back unchanged. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:,=@%+-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}

export interface SegmentCommandsOptions {
  instances: SegmentInstance[];
  /** The bundle as the instances see it, e.g. dist/lifecycle.js. */
  bundle: string;
  /** Variables for every instance (SESSION_PREFIX, RESULTS_DIR, the scenario's options). Never the API key. */
  vars: Record<string, string>;
  resultsDir: string;
  /** The merged run's ID. */
  runId: string;
}

/**
 * A shell script: one line per instance (create its run folder, since k6 does not, then run its
 * segment), then the merge. The API key is not in it: each machine has TALON_API_KEY in its
 * environment, which k6 passes to the script.
 */
export function segmentCommands(o: SegmentCommandsOptions): string[] {
  const lines = [
    `# ${o.instances.length} k6 instances, one per machine (or per core); each needs ${o.bundle} and its pools.json, and TALON_API_KEY in its environment.`,
  ];
  const folder = (s: SegmentInstance): string => `${o.resultsDir}/${s.runId}`;
  for (const s of o.instances) {
    // k6 cannot create folders: the line makes the instance's folder and hands it over as RUN_DIR.
    const vars = { ...o.vars, RUN_ID: s.runId, RUN_DIR: folder(s) };
    const env = Object.entries(vars).flatMap(([k, v]) => ['-e', shellWord(`${k}=${v}`)]);
    // The metric stream (millisecond times) is what makes the merge exact: latency histograms, not percentiles.
    lines.push(
      `mkdir -p ${shellWord(folder(s))} && K6_CSV_TIME_FORMAT=unix_milli k6 run --out ${shellWord(`csv=${folder(s)}/k6-metrics.csv.gz`)} ${segmentArgs(s).join(' ')} ${env.join(' ')} ${shellWord(o.bundle)}`,
    );
  }
  lines.push(
    "# then, with every instance's folder on one machine: each metric stream into a run folder, and the merge:",
  );
  for (const s of o.instances)
    lines.push(
      `npx cartload convert ${shellWord(`${folder(s)}/k6-metrics.csv.gz`)} --summary ${shellWord(`${folder(s)}/summary.json`)} --out ${shellWord(`${folder(s)}/run`)}`,
    );
  lines.push(
    `npx cartload merge ${o.instances.map((s) => shellWord(`${folder(s)}/run`)).join(' ')} --out ${shellWord(`${o.resultsDir}/${o.runId}`)}`,
  );
  return lines;
}
