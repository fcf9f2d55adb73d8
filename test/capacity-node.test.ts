// `cartload capacity` with the Node engine against the local target given a ceiling (2 workers ×
// 40 ms = 50 requests/s), as a user runs it: the package bin in a process of its own, starting the
// target in another (--target-workers). Short probes and a small ceiling keep the load light, and
// the ceiling is set by the target's workers and service time, not by this machine's CPU. The SLO's
// latency is set loose (p95 5 s): on a machine shared by many busy processes the scheduler alone
// delays answers by hundreds of ms, so the ceiling shows as what it is, a rate. One search of two
// short probes, one under the ceiling and one well past it, proves the search's mechanics and the
// command (the library function it runs, runCapacity, gets the same options from it); how close a
// whole search comes to the ceiling (within 10%), with the default SLO, is measured by
// bench/capacity.bench.ts, and the search's stopping rules, bracket and knee on probes of known
// figures by capacity-search.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { CapacityFile } from '../model/capacity.ts';
import { runCartload, runMain } from './helpers/cli.ts';

const CEILING = 50;
const NO_K6 = { PATH: '/nonexistent', K6_BIN: '' };
let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-capacity-node-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The search, run once by the bin; both tests read what it wrote. */
let search: Promise<{ code: number | null; stdout: string; stderr: string }> | undefined;
const runSearch = (): NonNullable<typeof search> =>
  (search ??= runCartload(
    [
      'capacity',
      '--engine',
      'node',
      '--target-workers',
      '2',
      '--target-service-time',
      '40',
      // 8 sessions/s is under the ceiling, 32 well past it.
      '--start',
      '8',
      '--growth',
      '4',
      '--max-probes',
      '2',
      '--warmup',
      '1s',
      '--hold',
      '2s',
      '--drain',
      '1s',
      '--p95-ms',
      '5000',
      '--p99-ms',
      '10000',
      '--results-dir',
      dir,
      '--run-id',
      'node-goal',
    ],
    // The local target takes the key given: capacity.json must not hold it.
    { env: { ...NO_K6, TALON_BASE_URL: '', TALON_API_KEY: 'capacity-key' }, timeoutMs: 120_000 },
  ));

test('the Node engine probes under and past the ceiling: past it the target serves its ceiling, not what was offered; capacity.json, one folder per probe, capacity.txt', async (t) => {
  const run = await runSearch();
  assert.equal(run.code, 0, run.stderr);
  assert.match(
    run.stderr,
    /target: the local reference target at http:\/\/127\.0\.0\.1:\d+, in a process of its own, with 2 workers × 40 ms/,
  );
  const report = `${run.stdout}\n${run.stderr}`;
  const f = JSON.parse(await readFile(join(dir, 'node-goal', 'capacity.json'), 'utf8')) as CapacityFile;
  if (f.stoppedBy === 'generator') {
    // The machine is too busy for this process to drive even this light load: the tool says so
    // (and claims no limit of the target), and there is no ceiling to compare.
    assert.ok(f.report.generatorLimit, report);
    const short = f.probes.find((p) => p.n === f.report.generatorLimit?.n);
    t.skip(
      `the load generator was short of CPU on this machine (${short?.generator.notes.join('; ')}): no ceiling to compare`,
    );
    return;
  }
  assert.equal(f.stoppedBy, 'max-probes', report);
  assert.match(run.stdout, /search: 2 probes; stopped at --max-probes/);
  assert.match(run.stdout, /the target's configured ceiling is 50 req\/s/);
  assert.deepEqual(
    f.probes.map((p) => p.rate),
    [8, 32],
  );
  assert.ok(
    f.probes.every((p) => p.generator.measuring && p.generator.delivered),
    `the generator kept up:\n${report}`,
  );
  const [under, over] = f.probes as [(typeof f.probes)[0], (typeof f.probes)[0]];
  // Under the ceiling the target serves what is offered; past it, its ceiling.
  assert.ok(under.offered.requestsPerSec < 0.8 * CEILING, report);
  assert.ok(under.achieved.requestsPerSec > 0.8 * under.offered.requestsPerSec, report);
  assert.ok(over.offered.requestsPerSec > 1.3 * CEILING, report);
  assert.ok(over.achieved.requestsPerSec < 1.1 * CEILING, report);
  assert.equal(f.report.sustainable?.sessionsPerSec, 8, report);

  assert.equal(f.kind, 'capacity');
  assert.equal(f.engine, 'node');
  assert.equal(f.knownCeiling, CEILING);
  assert.ok(!JSON.stringify(f).includes('capacity-key'), 'no API key in capacity.json');
  const probeDirs = await readdir(join(dir, 'node-goal', 'probes'));
  assert.equal(probeDirs.length, f.probes.length);
  for (const p of f.probes) assert.ok(probeDirs.includes(p.dir!.replace('probes/', '')), p.dir);
  assert.match(await readFile(join(dir, 'node-goal', 'capacity.txt'), 'utf8'), /capacity: highest sustainable rate/);
  assert.match(run.stderr, /^probe 1 \(coarse\) 8 sessions\/s: served/m);
  assert.match(run.stderr, /^probe 2 \(coarse\) 32 sessions\/s: served [\d.]+ of 128(\.0)? req\/s.* → MISS/m);
});

test('cartload capacity --from judges a run again under another SLO; bad options exit 2', async () => {
  await runSearch();
  // In this process (the CLI's main, as the bin runs it): the search above proves the bin.
  const again = await runMain(['capacity', '--from', join(dir, 'node-goal'), '--p95-ms', '1', '--json'], {
    env: { ...NO_K6 },
  });
  assert.equal(again.code, 0, again.stderr);
  const judged = JSON.parse(again.stdout) as CapacityFile;
  assert.equal(judged.slo.p95Ms, 1);
  assert.equal(judged.report.sustainable, undefined, 'no probe holds a 1 ms p95');
  const results = join(dir, 'bad');
  for (const [args, message] of [
    [['--tolerance', '5'], /--tolerance 5: use a share such as 5% or 0\.05/],
    [['--target-workers', '2'], /--target-workers and --target-service-time go together/],
    [['--warmup', 'soon'], /--warmup soon: use a duration/],
    [['--from', join(dir, 'nope')], /nope: no such run folder or file/],
  ] as const) {
    const bad = await runMain(['capacity', '--engine', 'node', ...args, '--results-dir', results], { env: NO_K6 });
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stderr, message);
  }
});
