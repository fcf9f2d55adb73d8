// How long `cartload` takes to start, against autocannon's start measured in the same run (another
// Node CLI of the field: `autocannon --version`), and against Node itself (`node -e 0`), the floor
// of any Node CLI. Measured as a user sees it: wall time of a new process, from spawn to exit.
// Runs interleave (a, b, c, d, a, b, ...) so that a busy machine slows each command alike; the
// median of BENCH_RUNS (default 9) counts. Also measured: the same --version through tsx (the
// fallback when the compiled CLI cannot be written, and how every start went before it), 3 runs.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const GOAL_MS = 400;
const BIN = join(root, 'bin', 'cartload.mjs');

interface Case {
  name: string;
  args: string[];
  runs: number;
}

const CASES: Case[] = [
  { name: 'node -e 0 (floor)', args: ['-e', '0'], runs: RUNS },
  { name: 'autocannon --version (baseline)', args: [join(root, 'node_modules', 'autocannon', 'autocannon.js'), '--version'], runs: RUNS },
  { name: 'cartload --version', args: [BIN, '--version'], runs: RUNS },
  { name: 'cartload replay --help', args: [BIN, 'replay', '--help'], runs: RUNS },
  { name: 'cartload run --help', args: [BIN, 'run', '--help'], runs: RUNS },
  {
    name: 'cartload --version via tsx',
    args: ['--import', 'tsx', '--input-type=module', '-e', `const m = await import(${JSON.stringify(join(root, 'cli', 'main.ts'))}); process.exitCode = await m.main(['--version']);`],
    runs: 3,
  },
];

function once(c: Case): number {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, c.args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], timeout: 60_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${r.stderr.toString().slice(0, 300)}`);
  return ms;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// One warm-up of each: the first start after a build compiles nothing, but fills the OS file cache.
for (const c of CASES) once(c);
const times = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const c of CASES) if (i < c.runs) times.get(c.name)?.push(once(c));
}

const baseline = median(times.get('autocannon --version (baseline)') ?? []);
const floor = median(times.get('node -e 0 (floor)') ?? []);
console.log(`CLI start, median of ${RUNS} runs (tsx: 3), wall ms; ratio to autocannon's start; goal ${GOAL_MS} ms for --version and --help`);
for (const c of CASES) {
  const m = median(times.get(c.name) ?? []);
  const goal = c.name.startsWith('cartload') && !c.name.includes('tsx') ? (m <= GOAL_MS ? '  goal met' : '  goal missed') : '';
  console.log(`  ${c.name.padEnd(34)} ${m.toFixed(0).padStart(6)} ms  ×${(m / baseline).toFixed(2)} autocannon  (+${(m - floor).toFixed(0)} ms over node)${goal}`);
}
