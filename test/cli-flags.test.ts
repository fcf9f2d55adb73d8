// Every flag of every command, given a bad value: one line on stderr naming the flag (or the file,
// line and column, or the environment variable), exit 2, nothing on stdout, no results folder or
// output file, no request to the target (a loopback server that counts them) and no stack trace.
// The CLI runs in this process (main(argv, io)); the flags each command has are read from its own
// --help, so a new flag without a bad-value case here fails the coverage test.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeEvents } from './fixtures/replay-engine/events.ts';
import { writeRequestLog } from './fixtures/replay-engine/request-log.ts';
import { startRecorder, type RecorderServer } from './fixtures/replay-engine/server.ts';
import { runMain } from './helpers/cli.ts';

const KEY = 'flags-secret-key-5d4c3b2a1';
let dir = '';
let server: RecorderServer;
let env: Record<string, string>;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cartload-flags-'));
  server = await startRecorder();
  env = { TALON_BASE_URL: server.url, TALON_API_KEY: KEY, PATH: '/nonexistent', K6_BIN: '' };
  const at = (name: string): string => join(dir, name);
  await writeRequestLog(at('ok.csv'), makeEvents({ sessions: 2 }));
  await writeFile(at('empty.csv'), '');
  await writeFile(
    at('binary.csv'),
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0xff, 0xfe, 10, 0, 1, 2, 3]),
  );
  await writeFile(at('wrong-header.csv'), 'name,price\nshoe,10\n');
  await writeRequestLog(at('header-only.csv'), []);
  const lines = (await readFile(at('ok.csv'), 'utf8')).split('\n');
  lines[2] = (lines[2] as string).replace('{""customerSession""', '{""customerSession"" oops');
  await writeFile(at('malformed.csv'), lines.join('\n'));
  await writeFile(at('a-file'), 'x');
  await mkdir(at('a-folder'));
  await mkdir(at('a-folder-with-a-run'));
  await writeFile(join(dir, 'a-folder-with-a-run', 'summary.json'), '{}');
});

after(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * The CLI run in `dir`: the cases name its files by relative paths, and a relative output (pools.json,
 * dist/, results/) would land there, where the checks see it. The process's folder is back after
 * each run: other test files may share this process.
 */
async function inDir<T>(run: () => Promise<T>): Promise<T> {
  const home = process.cwd();
  process.chdir(dir);
  try {
    return await run();
  } finally {
    process.chdir(home);
  }
}

const FIXTURES = [
  'a-file',
  'a-folder',
  'a-folder-with-a-run',
  'binary.csv',
  'empty.csv',
  'header-only.csv',
  'malformed.csv',
  'ok.csv',
  'wrong-header.csv',
];

type Case = [argv: string[], names: RegExp, extraEnv?: Record<string, string>];

// Base arguments keep a case that wrongly passed short and visible: it would write a file or
// send requests, which the checks catch.
const gen = (...a: string[]): string[] => ['generate', '-n', '1', '--out', 'plans.ndjson', ...a];
const rep = (...a: string[]): string[] => ['replay', 'ok.csv', ...a];
const run = (...a: string[]): string[] => ['run', '--duration', '1s', '--rate', '1', ...a.filter(Boolean)];
const runOnly = (...a: string[]): string[] => ['run', ...a];
const lrn = (...a: string[]): string[] => ['learn', 'ok.csv', '--out', 'learned.json', ...a];
const cap = (...a: string[]): string[] => ['capacity', '--max-duration', '1s', ...a];

const CASES: Record<string, Case[]> = {
  generate: [
    [['generate', '-n', 'abc'], /-n abc: not a number/],
    [['generate', '--sessions', '0'], /--sessions 0/],
    [gen('--seed', ''), /--seed '': the value is empty/],
    [gen('--seed', 'a b'), /--seed a b/],
    [gen('--profile', 'no-such-profile'), /--profile no-such-profile/],
    [gen('--format', 'xml'), /--format xml: use one of ndjson, csv/],
    [['generate', '-n', '1', '--out', '/proc/cartload-no/x.ndjson'], /--out \/proc\/cartload-no\/x\.ndjson/],
    [['generate', '-n', '1', '-o', 'a-folder'], /--out a-folder: is a folder/],
    [gen('--pools', 'missing-pools.json'), /missing-pools\.json/],
    [gen('--csv', 'nopool=x.csv'), /--csv nopool=x\.csv/],
    [gen('--rate', '0'), /--rate 0/],
    [gen('--start', 'yesterday'), /--start yesterday/],
    [gen('--first-index', '-1'), /--first-index -1/],
    [gen('--session-prefix', 'a/b'), /--session-prefix a\/b/],
    [gen('--set', 'couponShare=2'), /--set couponShare=2: profile\.coupons\.sessionShare: must be/],
  ],
  pools: [
    [['pools', '--seed', ''], /--seed ''/],
    [['pools', '--out', 'a-folder'], /--out a-folder: is a folder/],
    [['pools', '-o', '/proc/cartload-no/p.json'], /--out \/proc\/cartload-no/],
    [['pools', '--out', 'p.json', '--pools', 'missing-pools.json'], /missing-pools\.json/],
    [['pools', '--out', 'p.json', '--csv', 'products'], /--csv products/],
  ],
  target: [
    [['target', '--port', '70000'], /--port 70000: must be a whole number from 0 to 65535/],
    [['target', '--port', '0', '--host', ''], /--host ''/],
    [['target', '--port', '0', '--api-key'], /--api-key needs a value/],
    [['target', '--port', '0', '--latency', 'slow'], /--latency: cannot read "slow"/],
    [['target', '--port', '0', '--error-rate', '2'], /--error-rate 2/],
    [['target', '--port', '0', '--error-status', '200'], /--error-status 200/],
    [['target', '--port', '0', '--workers', '0', '--service-time', '5'], /--workers 0/],
    [['target', '--port', '0', '--workers', '2', '--service-time', 'x'], /--service-time: cannot read "x"/],
    [['target', '--port', '0', '--workers', '2', '--service-time', '5', '--queue-limit', '-1'], /--queue-limit -1/],
    [['target', '--port', '0', '--seed', '1.5'], /--seed 1\.5/],
    [['target', '--port', '0', '--max-sessions', '0'], /--max-sessions 0/],
    [['target', '--port', '0', '--body-limit', 'big'], /--body-limit big: not a number/],
    [['target', '--port', '0', '--application-id', '0'], /--application-id 0/],
    [['target', '--port', '0', '--coupons', 'missing-coupons.csv'], /missing-coupons\.csv/],
    [['target', '--port', '0', '--referrals', 'a-folder'], /a-folder/],
    [['target', '--port', '0', '--coupon-pattern', '('], /--coupon-pattern \(: not a regular expression/],
    [['target', '--port', '0', '--referral-pattern', '['], /--referral-pattern \[: not a regular expression/],
    [['target', '--port', '0', '--log-requests=maybe'], /--log-requests=maybe/],
  ],
  build: [
    [['build', '--out-dir', '/proc/cartload-no'], /--out-dir \/proc\/cartload-no/],
    [['build', '--out-dir', 'a-file'], /--out-dir a-file: is a file/],
    [['build', '--seed', '1.5'], /--seed 1\.5/],
    [['build', '--pools', 'missing-pools.json'], /--pools missing-pools\.json/],
    [['build', '--entry', 'missing.ts'], /--entry missing\.ts/],
    [['build', '--profile', 'missing-profile.json'], /--profile missing-profile\.json/],
  ],
  capacity: [
    [cap('--engine', 'foo'), /--engine foo/],
    [cap('--from', 'no-such-run'), /no-such-run/],
    [cap('--target', 'ftp://x'), /--target ftp:\/\/x: use an http/],
    [cap('--start', '0'), /--start 0/],
    [cap('--growth', '1'), /--growth 1/],
    [cap('--tolerance', '0'), /--tolerance 0/],
    [cap('--max-rate', '-1'), /--max-rate -1/],
    [cap('--min-rate', '0'), /--min-rate 0/],
    [cap('--max-probes', '0'), /--max-probes 0/],
    [['capacity', '--max-duration', '1x'], /--max-duration 1x/],
    [cap('--warmup', 'abc'), /--warmup abc/],
    [cap('--hold', '0s'), /--hold 0s/],
    [cap('--drain', 'x'), /--drain x/],
    [cap('--p95-ms', '0'), /--p95-ms 0/],
    [cap('--p99-ms', 'abc'), /--p99-ms abc/],
    [cap('--error-rate', '2'), /--error-rate 2/],
    [cap('--seed', 'abc'), /--seed abc/],
    [cap('--profile', 'nope'), /--profile nope: neither a preset/],
    [cap('--think-scale', '-1'), /--think-scale -1/],
    [cap('--max-think', '-2'), /--max-think -2/],
    [cap('--connections', '0'), /--connections 0/],
    [cap('--max-vus', '0'), /--max-vus 0/],
    [cap('--target-workers', '4'), /--target-workers and --target-service-time go together/],
    [cap('--target-workers', '0', '--target-service-time', '10'), /--target-workers 0/, { TALON_BASE_URL: '' }],
    [cap('--target-service-time', 'abc', '--target-workers', '4'), /--target-service-time abc/, { TALON_BASE_URL: '' }],
    [cap('--results-dir', 'a-file'), /--results-dir a-file: is a file/],
    [cap('--run-id', '../x'), /--run-id "\.\.\/x"/],
    [cap('--json=maybe'), /--json=maybe/],
    [cap('--yes=maybe'), /--yes=maybe/],
    [cap(), /RATE_SCALE does not apply to capacity/, { RATE_SCALE: '2' }],
  ],
  'capacity-report': [
    [['capacity-report', 'no-such-run'], /no-such-run/],
    [['capacity-report', 'a-folder', '--p95-ms', '0'], /--p95-ms 0/],
    [['capacity-report', 'a-folder', '--p99-ms', 'abc'], /--p99-ms abc/],
    [['capacity-report', 'a-folder', '--error-rate', '2'], /--error-rate 2/],
    [['capacity-report', 'a-folder', '--json=maybe'], /--json=maybe/],
  ],
  compare: [
    [['compare', 'no-such-run', 'a-folder'], /no-such-run/],
    [['compare', 'a-folder', 'no-such-run'], /a-folder|no-such-run/],
    [['compare', 'a', 'b', '--max-latency-increase', '-1'], /--max-latency-increase -1/],
    [['compare', 'a', 'b', '--max-error-rate-increase', 'abc'], /--max-error-rate-increase abc/],
    [['compare', 'a', 'b', '--min-requests', '1.5'], /--min-requests 1\.5/],
    [['compare', 'a', 'b', '--json', '/proc/cartload-no/c.json'], /--json \/proc\/cartload-no/],
    [['compare', 'a', 'b', '--min-latency-increase', '-1'], /--min-latency-increase -1/],
    [['compare', 'a', 'b', '--confidence', '2'], /--confidence 2: must be a number at least 0\.5 and at most 0\.9999/],
    [['compare', 'a', 'b', '--min-tail', '0'], /--min-tail 0/],
    [['compare', 'a', 'b', '--percentiles', '95,100'], /--percentiles 95,100: give percentiles between 0 and 100/],
    [['compare', 'a', 'b', '--allow-different=maybe'], /--allow-different=maybe/],
    [['compare', 'a', 'b', '--format', 'xml'], /--format xml: use one of text, markdown, json/],
    [['compare', 'a', 'b', '--markdown', 'a-folder'], /--markdown a-folder: is a folder/],
  ],
  convert: [
    [['convert', 'no-such.csv'], /no-such\.csv/],
    [['convert', 'ok.csv', '--summary', 'missing-summary.json'], /missing-summary\.json/],
    [['convert', 'ok.csv', '--run-id', '../x'], /--run-id "\.\.\/x"/],
    [['convert', 'ok.csv', '--results-dir', '/proc/cartload-no'], /--results-dir \/proc\/cartload-no/],
    [['convert', 'ok.csv', '--out', 'a-file'], /--out a-file: is a file/],
    [['convert', 'ok.csv', '--scenario', ''], /--scenario ''/],
    [['convert', 'ok.csv', '--target', 'not-a-url'], /--target not-a-url: not a URL/],
  ],
  merge: [
    [['merge', 'a-folder'], /merge needs at least two runs/],
    [['merge', 'a-folder', 'no-such-run'], /a-folder|no-such-run/],
    [['merge', 'a-folder', 'a-folder-with-a-run', '--run-id', '.x'], /--run-id "\.x"/],
    [['merge', 'a-folder', 'a-folder-with-a-run', '--results-dir', 'a-file'], /--results-dir a-file: is a file/],
    [['merge', 'a-folder', 'a-folder-with-a-run', '--out', '/proc/cartload-no'], /--out \/proc\/cartload-no/],
  ],
  report: [
    [['report', 'no-such-run'], /no-such-run/],
    [['report', 'a-folder-with-a-run', '--out', 'a-folder'], /--out a-folder: is a folder/],
  ],
  replay: [
    [['replay', 'no-such.csv'], /no-such\.csv: no such file/],
    [['replay', 'empty.csv'], /empty\.csv: the file is empty/],
    [['replay', 'binary.csv'], /binary\.csv:1: the header is neither/],
    [['replay', 'wrong-header.csv'], /wrong-header\.csv:1: the header is neither/],
    [['replay', 'header-only.csv'], /header-only\.csv: no rows to replay/],
    [['replay', 'malformed.csv'], /malformed\.csv:3: column "body"/],
    [['replay', 'a-folder'], /a-folder: is a folder/],
    [rep('--format', 'xml'), /--format xml/],
    [rep('--target', 'ftp://example.invalid'), /--target ftp:\/\/example\.invalid: use an http/],
    [rep('--speed', '0'), /--speed 0/],
    [rep('--rate', 'abc'), /--rate abc: not a number/],
    [rep('--rate', '1e9'), /--rate 1000000000: above the Node engine's ceiling/],
    [rep('--asap=maybe'), /--asap=maybe/],
    [rep('--connections', '0'), /--connections 0/],
    [rep('--concurrency', '0'), /--concurrency 0/],
    [rep('--timeout', '0s'), /--timeout 0s/],
    [rep('--session-prefix', 'a b'), /--session-prefix a b/],
    [rep('--keep-session-ids', '--session-prefix', 'x'), /--keep-session-ids and --session-prefix/],
    [rep('--dry=maybe'), /--dry=maybe/],
    [rep('--from', 'yesterday'), /--from yesterday/],
    [rep('--to', 'later'), /--to later/],
    [rep('--state', 'lost'), /--state lost/],
    [rep('--sample', '0'), /--sample 0/],
    [rep('--limit', '0'), /--limit 0/],
    [rep('--loop', '0'), /--loop 0/],
    [rep('--shard', '4/3'), /--shard 4\/3/],
    [rep('--on-error', 'ignore'), /--on-error ignore/],
    [rep('--max-error-rate', '2'), /--max-error-rate 2/],
    [rep('--p95-ms', '0'), /--p95-ms 0/],
    [rep('--p99-ms', '-5'), /--p99-ms -5/],
    [rep('--results-dir', '/proc/cartload-no'), /--results-dir \/proc\/cartload-no/],
    [rep('--results-dir', 'a-file'), /--results-dir a-file: is a file/],
    [rep('--run-id', '../escape'), /--run-id "\.\.\/escape"/],
    [
      rep('--results-dir', '.', '--run-id', 'a-folder-with-a-run'),
      /--run-id a-folder-with-a-run: .* already holds a run/,
    ],
    [rep('--log-requests=maybe'), /--log-requests=maybe/],
    [rep('--session-idle', '0s'), /--session-idle 0s/],
    [rep('--drain-timeout', 'soon'), /--drain-timeout soon/],
    [rep('--preflight=maybe'), /--preflight=maybe/],
    [rep('--progress=maybe'), /--progress=maybe/],
    [rep('--sort-window=-5s'), /--sort-window -5s/],
    [rep('--sort-window', '-5s'), /--sort-window needs a value/],
    [rep('--tmp-dir', '/proc/cartload-no'), /--tmp-dir \/proc\/cartload-no/],
    [rep('--workers', '0'), /--workers 0/],
    [rep('--workers', '2', '--loop', '2'), /--workers with --loop/],
    [rep('--checkpoint', 'a-folder'), /--checkpoint a-folder exists/],
    [rep('--resume', 'no-such.ckpt'), /--resume no-such\.ckpt: no such checkpoint/],
    [rep('--resend-in-doubt'), /--resend-in-doubt goes with --resume/],
    [rep('--yes=maybe'), /--yes=maybe/],
    [rep(), /CARTLOAD_RATE=fast: not a number/, { CARTLOAD_RATE: 'fast' }],
    [rep(), /CARTLOAD_DRY=maybe/, { CARTLOAD_DRY: 'maybe' }],
  ],
  deploy: [
    [['deploy', 'elsewhere'], /elsewhere/],
    [['deploy', 'k6-operator', 'nope', '--target', 'https://x.example'], /scenario "nope"/],
    [
      ['deploy', 'k6-operator', '--target', 'https://x.example', '--parallelism', '0'],
      /--parallelism must be a whole number from 1 to 1000/,
    ],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--name', 'Bad_Name'], /--name "Bad_Name"/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--namespace', 'Bad NS'], /--namespace "Bad NS"/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--separate=maybe'], /--separate=maybe/],
    [['deploy', 'k6-operator', '--target', 'ftp://x.example'], /--target ftp:\/\/x\.example: use an http/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--rate', '0'], /--rate 0/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--duration', 'soon'], /--duration soon/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--seed', 'x'], /--seed x/],
    [
      ['deploy', 'k6-operator', '--target', 'https://x.example', '--profile', 'no-such-profile'],
      /--profile no-such-profile/,
    ],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--think-scale', '-1'], /--think-scale -1/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--max-think', '-1'], /--max-think -1/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--dry=maybe'], /--dry=maybe/],
    [
      ['deploy', 'k6-operator', '--target', 'https://x.example', '--pools', 'missing-pools.json'],
      /missing-pools\.json/,
    ],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--secret', 'Bad Secret'], /--secret "Bad Secret"/],
    [
      ['deploy', 'k6-operator', '--target', 'https://x.example', '--results-claim', 'Bad Claim'],
      /--results-claim "Bad Claim"/,
    ],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--image', ' '], /--image '': the value is empty/],
    [['deploy', 'k6-operator', '--target', 'https://x.example', '--session-prefix', 'a b'], /--session-prefix a b/],
    [
      ['deploy', 'k6-operator', '--target', 'https://x.example', '--out', '/proc/cartload-no/x.yaml'],
      /--out \/proc\/cartload-no\/x\.yaml: cannot create a folder in \/proc/,
    ],
  ],
  run: [
    [run('--segments', '1'), /--segments must be a whole number from 2 to 64/],
    [runOnly('--local'), /--local runs the instances of --segments N/],
    [runOnly('nope'), /scenario "nope"/],
    [run('--engine', 'rocket'), /--engine rocket/],
    [run('--target', 'not-a-url'), /--target not-a-url: not a URL/],
    [runOnly('--rate', 'abc'), /--rate abc: not a number/],
    [runOnly('--rate', '0'), /--rate 0/],
    [runOnly('--rate', '1e9', '--duration', '2s'), /--rate 1000000000: above the Node engine's ceiling/],
    [runOnly('--duration', ''), /--duration '': the value is empty/],
    [runOnly('--duration', '0s'), /--duration 0s/],
    [run('--seed', '1.5'), /--seed 1\.5/],
    [run('--profile', 'missing-profile.json'), /--profile missing-profile\.json/],
    [run('--think-scale', '-1'), /--think-scale -1/],
    [run('--max-think', 'abc'), /--max-think abc/],
    [run('--dry=maybe'), /--dry=maybe/],
    [run('--session-prefix', 'a b'), /--session-prefix a b/],
    [run('--connections', '0'), /--connections 0/],
    [run('--concurrency', '0'), /--concurrency 0/],
    [run('--max-error-rate', '2'), /--max-error-rate 2/],
    [run('--p95-ms', '0'), /--p95-ms 0/],
    [run('--p99-ms', 'x'), /--p99-ms x/],
    [run('--results-dir', '/proc/cartload-no'), /--results-dir \/proc\/cartload-no/],
    [run('--run-id', '.hidden'), /--run-id "\.hidden"/],
    [
      run('--results-dir', '.', '--run-id', 'a-folder-with-a-run'),
      /--run-id a-folder-with-a-run: .* already holds a run/,
    ],
    [run('--progress=maybe'), /--progress=maybe/],
    [run('--yes=maybe'), /--yes=maybe/],
    [run('--set', 'couponShare'), /--set couponShare: expected key=value/],
    [runOnly('--rate-scale', '0'), /--rate-scale 0/],
    [runOnly('--rate-scale', '5'), /--rate-scale 5: needs a learned arrival curve, and profile "default" has none/],
    [runOnly('--curve-speed', 'fast'), /--curve-speed fast: not a number/],
    [runOnly('--day-start', '25:00'), /--day-start 25:00/],
    [run('--load', 'rocket'), /--load rocket/],
    [runOnly(), /environment variable RATE/, { RATE: 'fast' }],
  ],
  learn: [
    [['learn', 'no-such.csv'], /no-such\.csv: no such file/],
    [['learn', 'a-folder'], /a-folder: is a folder/],
    [['learn', 'empty.csv'], /empty\.csv: the file is empty/],
    [['learn', 'wrong-header.csv'], /wrong-header\.csv:1: the header is neither/],
    [['learn', 'malformed.csv'], /malformed\.csv:3: column "body"/],
    [['learn', 'ok.csv', '--out', 'a-folder'], /--out a-folder: is a folder/],
    [['learn', 'ok.csv', '-o', '/proc/cartload-no/p.json'], /--out \/proc\/cartload-no/],
    [lrn('--format', 'xml'), /--format xml/],
    [lrn('--on-error', 'ignore'), /--on-error ignore/],
    [lrn('--valid-coupons', '('), /--valid-coupons \(: not a regular expression/],
    [lrn('--valid-referrals', '['), /--valid-referrals \[: not a regular expression/],
    [lrn('--session-idle', '0s'), /--session-idle 0s/],
    [lrn('--max-open-sessions', '0'), /--max-open-sessions 0/],
    [lrn('--bucket', '7'), /--bucket 7: must divide a day/],
    [lrn('--base', 'huge'), /--base huge: not a preset/],
    [lrn('--name', ''), /--name '': the value is empty/],
    [lrn('--min-category-sessions', '0'), /--min-category-sessions 0/],
    [lrn('--set', 'couponShare'), /--set couponShare: expected key=value/],
    [lrn('--set', 'couponShare=2'), /--set couponShare=2: profile\.coupons\.sessionShare: must be/],
    [lrn('-q=maybe'), /-q=maybe/],
    [lrn('--quiet=maybe'), /--quiet=maybe/],
  ],
  '': [
    [['--version=maybe'], /--version=maybe/],
    [['--help=maybe'], /--help=maybe/],
    [['bogus'], /unknown command bogus/],
    [[], /name a command/],
  ],
};

async function entries(): Promise<string[]> {
  return (await readdir(dir)).sort();
}

for (const [command, cases] of Object.entries(CASES)) {
  describe(`cartload ${command || '(no command)'}: bad values`, () => {
    for (const [argv, names, extraEnv] of cases) {
      test(`${argv.join(' ')}${
        extraEnv
          ? ` with ${Object.entries(extraEnv)
              .map(([k, v]) => `${k}=${v}`)
              .join(' ')}`
          : ''
      }`, { timeout: 60_000 }, async () => {
        const sent = server.received.length;
        const r = await inDir(() => runMain(argv, { env: { ...env, ...extraEnv } }));
        assert.equal(r.code, 2, `exit code; stderr: ${r.stderr}`);
        assert.match(r.stderr, /^[^\n]+\n$/, `exactly one line on stderr: ${JSON.stringify(r.stderr)}`);
        assert.match(r.stderr, names);
        assert.match(r.stderr, new RegExp(`^cartload${command ? ` ${command}` : ''}: `));
        // Flags are named as flags: only a variable the user set is named as a variable.
        if (!extraEnv) assert.doesNotMatch(r.stderr, /environment variable/);
        assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, 'no stack trace');
        assert.ok(!r.stderr.includes(KEY), 'no API key');
        assert.equal(r.stdout, '');
        assert.deepEqual(await entries(), FIXTURES, 'no results folder, no output file');
        assert.equal(server.received.length, sent, 'no request sent');
      });
    }
  });
}

test('every flag of every command has a bad-value case above (commands and flags read from --help)', async () => {
  const top = await runMain(['--help']);
  const commands = [...top.stdout.matchAll(/^ {2}cartload ([a-z][a-z0-9-]*)/gm)].map((m) => m[1] as string);
  assert.ok(commands.length >= 8, top.stdout);
  for (const command of commands) assert.ok(CASES[command], `cartload ${command} has no bad-value cases`);
  for (const command of commands) {
    const help = await runMain([command, '--help']);
    assert.equal(help.code, 0);
    // The options column only: a description may name another command's flag.
    const heads = [...help.stdout.matchAll(/^ {2,6}(-\S.*?)(?: {2,}|$)/gm)].map((m) => m[1] as string);
    const flags = new Set(
      heads.flatMap((h) => [...h.matchAll(/(?:^|[\s,])(--?[a-z][a-z0-9-]*)/g)].map((m) => m[1] as string)),
    );
    flags.delete('--help');
    flags.delete('--version');
    const covered = (CASES[command] ?? []).flatMap(([argv, , e]) => [
      ...argv,
      ...Object.keys(e ?? {}).map((k) => `--${k.replace(/^CARTLOAD_/, '').toLowerCase()}`),
    ]);
    for (const flag of flags) {
      const name = flag.replace(/^--?/, '');
      const hit = covered.some((a) => a === flag || a.startsWith(`${flag}=`) || a === `--no-${name}`);
      assert.ok(hit, `cartload ${command} ${flag} has no bad-value case`);
    }
  }
});
