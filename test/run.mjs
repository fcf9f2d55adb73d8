#!/usr/bin/env node
// `npm test`: the static checks (types, lint, format) and the test files at once, so that the
// checks use the CPU the tests leave idle while they wait on sockets, timers and child processes.
// Test files run built into plain JavaScript (test/bundle-tests.mjs): the TypeScript loader would
// cost each of them half a second. Short files share a process (a shard runs them one after
// another): starting Node and loading the modules a file needs cost each file about 0.4 s of CPU,
// which for most files is more than their tests. Long files and shards start slowest first (their
// durations from the last run, kept in node_modules/.cache), so that none starts last and holds the
// run open alone.
//   node test/run.mjs                       everything npm test checks
//   node test/run.mjs --tests [file ...]    only the tests (all, or the files named)
// CARTLOAD_TEST_CONCURRENCY sets how many processes run tests at once (default: cores + 1, since
// most of them spend much of their time waiting); CARTLOAD_TEST_SHARD_MS how long a shard's files
// may take together (default 8000; 0 runs every file in its own process, to rule out a leak of
// state from one file into the next).
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, setPriority } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { bundleTests } from './bundle-tests.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CACHE = join(ROOT, 'node_modules', '.cache', 'cartload');
const TIMES = join(CACHE, 'test-times.json');
/** This run's durations, merged into TIMES after it (a run of a few files keeps the others' times). */
const NEW_TIMES = join(CACHE, 'test-times.new.json');
const STATIC = ['typecheck', 'check'];

const args = process.argv.slice(2);
const testsOnly = args[0] === '--tests';
const named = testsOnly ? args.slice(1) : args;
const concurrency = Number(process.env.CARTLOAD_TEST_CONCURRENCY) || availableParallelism() + 1;
const shardMs = Number(process.env.CARTLOAD_TEST_SHARD_MS ?? 8000);
/** What a file the last run did not time (a new one, or any in a fresh clone) is taken to cost. */
const UNTIMED_MS = 2000;

/**
 * Before a first run has timed them (a fresh clone, as in CI), the durations of the longest files
 * come from this list (seconds, one run on 2 cores; any other file is taken to take UNTIMED_MS);
 * every run's own timings replace it.
 */
const FRESH_CLONE_ORDER = Object.fromEntries(
  [
    ['compare-gate', 30],
    ['replay-resume', 15],
    ['capacity-node', 13],
    ['capacity-k6', 12],
    ['learn-accuracy', 8],
    ['report-html', 8],
    ['bundle-build', 7],
    ['deploy-k6-operator', 7],
    ['target-cli', 7],
    ['target-http', 6],
    ['learn-run', 6],
    ['replay-workers', 6],
    ['harness-paced', 6],
    ['run-segments', 6],
    ['scenarios-k6-run', 6],
    ['cli-flags', 6],
    ['results-merge', 5],
    ['generators-planner', 5],
    ['run-scenario', 5],
  ].map(([name, s]) => [`test/${name}.test.ts`, s * 1000]),
);

/** Durations by file from a reporter's output; none when there is no earlier run (a fresh clone). */
function readTimes(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

/** Every test file, or the ones named. */
function testFiles() {
  return named.length
    ? named.map((f) => relative(ROOT, resolve(f)))
    : readdirSync(join(ROOT, 'test'))
        .filter((f) => f.endsWith('.test.ts'))
        .map((f) => join('test', f));
}

/**
 * The files in groups, one process each, slowest first: a file that takes a shard's time or more
 * alone, the others packed into shards of up to that time (first fit, longest first).
 */
function groupFiles(files) {
  const times = { ...FRESH_CLONE_ORDER, ...readTimes(TIMES) };
  const cost = (f) => times[f] ?? UNTIMED_MS;
  const bins = [];
  for (const f of [...files].sort((a, b) => cost(b) - cost(a) || a.localeCompare(b))) {
    const bin = bins.find((b) => b.ms + cost(f) <= shardMs);
    if (bin) {
      bin.files.push(f);
      bin.ms += cost(f);
    } else bins.push({ files: [f], ms: cost(f) });
  }
  return bins.sort((a, b) => b.ms - a.ms).map((b) => b.files);
}

/** Runs a command with its output held, so that it prints whole after the tests' own lines. */
function held(script) {
  const started = performance.now();
  return new Promise((done) => {
    const child = spawn('npm', ['run', '-s', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    // Behind the tests for the CPU: they are the longer road, and the checks fill what they leave.
    try {
      setPriority(child.pid, 10);
    } catch {
      // Not permitted here: the checks share the CPU evenly, and the run only takes longer.
    }
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) =>
      done({ script, code: code ?? (signal ? 1 : 0), out, seconds: (performance.now() - started) / 1000 }),
    );
  });
}

async function staticChecks(say) {
  // All at once, behind the tests (see held): whatever CPU the tests leave, on any core, goes to them.
  return Promise.all(
    STATIC.map(async (script) => {
      const r = await held(script);
      say(`# ${script}: ${r.code === 0 ? 'ok' : `FAILED (exit ${r.code})`} in ${r.seconds.toFixed(1)} s`);
      if (r.code !== 0) say(r.out.trimEnd());
      return r;
    }),
  );
}

/** The timings reporter names the built files; the cache keeps the sources' names. */
function sourceTimes(file) {
  const out = {};
  for (const [f, ms] of Object.entries(readTimes(file))) {
    // A file that failed to load is named by its shard's entry, which is no test file.
    if (/\.test\.(ts|mjs)$/.test(f)) out[join('test', basename(f).replace(/\.mjs$/, '.ts'))] = ms;
  }
  return out;
}

/** Built test files left by runs that were killed before they could clean up. */
function removeStaleBuilds() {
  for (const name of readdirSync(CACHE)) {
    const pid = Number(/^tests-(\d+)$/.exec(name)?.[1]);
    if (!pid || pid === process.pid) continue;
    try {
      process.kill(pid, 0);
    } catch (err) {
      if (err.code === 'ESRCH') rmSync(join(CACHE, name), { recursive: true, force: true });
    }
  }
}

async function tests(say) {
  mkdirSync(CACHE, { recursive: true });
  removeStaleBuilds();
  const groups = groupFiles(testFiles());
  const outDir = join(CACHE, `tests-${process.pid}`);
  let built;
  try {
    built = await bundleTests(ROOT, groups, outDir);
  } catch (err) {
    say(`# tests: the test files do not build: ${err.message}`);
    return 1;
  }
  const reporter = process.stdout.isTTY ? 'spec' : 'tap';
  const child = spawn(
    process.execPath,
    [
      '--enable-source-maps',
      '--test',
      `--test-concurrency=${concurrency}`,
      // A hang fails its file after 5 minutes instead of holding CI until its own timeout.
      '--test-timeout=300000',
      `--test-reporter=${reporter}`,
      '--test-reporter-destination=stdout',
      '--test-reporter=./test/timings-reporter.mjs',
      `--test-reporter-destination=${NEW_TIMES}`,
      ...built,
    ],
    {
      cwd: ROOT,
      stdio: ['inherit', 'pipe', 'inherit'],
      env: { ...process.env, FORCE_COLOR: process.stdout.isTTY ? '1' : '0' },
    },
  );
  createInterface({ input: child.stdout }).on('line', (l) => say(l));
  return new Promise((done) =>
    child.on('close', (code, signal) => {
      writeFileSync(TIMES, JSON.stringify({ ...readTimes(TIMES), ...sourceTimes(NEW_TIMES) }));
      rmSync(NEW_TIMES, { force: true });
      rmSync(outDir, { recursive: true, force: true });
      done(code ?? (signal ? 1 : 0));
    }),
  );
}

// Ctrl-C reaches the test and check processes too (one process group): this one waits for them to
// end, cleans up, and says what had failed by then.
let interrupted = false;
process.on('SIGINT', () => (interrupted = true));
const started = performance.now();
const say = (line) => process.stdout.write(`${line}\n`);
const [checks, testCode] = await Promise.all([testsOnly ? [] : staticChecks(say), tests(say)]);
const failed = [...checks.filter((c) => c.code !== 0).map((c) => c.script), ...(testCode !== 0 ? ['tests'] : [])];
say(
  `# ${testsOnly ? 'tests' : 'npm test'}: ${failed.length ? `FAILED (${failed.join(', ')})` : 'all green'} in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);
process.exitCode = interrupted ? 130 : failed.length ? 1 : 0;
