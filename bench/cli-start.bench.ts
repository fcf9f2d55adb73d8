// How long `cartload` takes to start, against autocannon's start measured in the same run (another
// Node CLI of the field: `autocannon --version`), and against Node itself (`node -e 0`), the floor
// of any Node CLI. Measured as a user sees it, wall time of a new process from spawn to exit, and
// as the CPU time the process used (user + system, reported by the process as it exits), which a
// machine busy with other work disturbs far less than wall time.
// Runs interleave (a, b, c, d, a, b, ...) so that a busy machine slows each command alike; the
// median of BENCH_RUNS (default 9) counts. Also measured: the same --version through tsx (the
// fallback when the compiled CLI cannot be written, and how every start went before it), 3 runs.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
  {
    name: 'autocannon --version (baseline)',
    args: [join(root, 'node_modules', 'autocannon', 'autocannon.js'), '--version'],
    runs: RUNS,
  },
  { name: 'cartload --version', args: [BIN, '--version'], runs: RUNS },
  { name: 'cartload replay --help', args: [BIN, 'replay', '--help'], runs: RUNS },
  { name: 'cartload run --help', args: [BIN, 'run', '--help'], runs: RUNS },
  {
    name: 'cartload --version via tsx',
    args: [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(join(root, 'cli', 'main.ts'))}); process.exitCode = await m.main(['--version']);`,
    ],
    runs: 3,
  },
];

// Preloaded into each child: prints the process's CPU time when it exits (the cost of this hook
// itself is a few lines of CommonJS).
const hookDir = mkdtempSync(join(tmpdir(), 'cartload-bench-'));
const hook = join(hookDir, 'cpu.cjs');
writeFileSync(
  hook,
  "process.on('exit', () => { const c = process.cpuUsage(); require('fs').writeSync(2, `\\ncpu-us ${c.user + c.system}\\n`); });\n",
);

function once(c: Case): { wall: number; cpu: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['--require', hook, ...c.args], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'pipe'],
    timeout: 60_000,
  });
  const wall = performance.now() - t0;
  const err = r.stderr.toString();
  if (r.status !== 0) throw new Error(`${c.name} exited ${r.status}: ${err.slice(0, 300)}`);
  const cpu = Number(/cpu-us (\d+)/.exec(err)?.[1] ?? NaN) / 1000;
  return { wall, cpu };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

// One warm-up of each: fills the OS file cache (and compiles dist-cli/ if a source changed).
for (const c of CASES) once(c);
const wall = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
const cpu = new Map<string, number[]>(CASES.map((c) => [c.name, []]));
for (let i = 0; i < RUNS; i++) {
  for (const c of CASES) {
    if (i >= c.runs) continue;
    const t = once(c);
    wall.get(c.name)?.push(t.wall);
    cpu.get(c.name)?.push(t.cpu);
  }
}
rmSync(hookDir, { recursive: true, force: true });

const BASE = 'autocannon --version (baseline)';
const FLOOR = 'node -e 0 (floor)';
const of = (m: Map<string, number[]>, name: string): number => median(m.get(name) ?? []);
console.log(
  `CLI start, median of ${RUNS} runs (tsx: 3); × = ratio to autocannon's start in the same run; goal: --version and --help under ${GOAL_MS} ms`,
);
console.log(
  `  ${'command'.padEnd(34)} ${'wall ms'.padStart(8)} ${'×'.padStart(6)} ${'cpu ms'.padStart(8)} ${'×'.padStart(6)}  over node (wall, cpu)`,
);
for (const c of CASES) {
  const w = of(wall, c.name);
  const u = of(cpu, c.name);
  const goal =
    c.name.startsWith('cartload') && !c.name.includes('tsx')
      ? w <= GOAL_MS
        ? '  goal met'
        : '  goal missed (wall)'
      : '';
  console.log(
    `  ${c.name.padEnd(34)} ${w.toFixed(0).padStart(8)} ${(w / of(wall, BASE)).toFixed(2).padStart(6)} ${u.toFixed(0).padStart(8)} ${(u / of(cpu, BASE)).toFixed(2).padStart(6)}  +${(w - of(wall, FLOOR)).toFixed(0)}, +${(u - of(cpu, FLOOR)).toFixed(0)}${goal}`,
  );
}
